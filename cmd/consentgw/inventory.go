package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/consent/callctl/registry"
	"github.com/consentgw/consentgw/consent/keystore"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/consent/signing"
	"github.com/consentgw/consentgw/consent/subject"
)

// Place is one row of the record of processing: where the gateway keeps data, what of
// it is personal, about whom, for how long, and what removes it.
type Place struct {
	Place    string `json:"place"`
	Location string `json:"location"`
	Data     string `json:"data"`
	Subjects string `json:"subjects"`
	Kept     string `json:"kept"`
	Removed  string `json:"removed_by"`
}

// Inventory is the record of processing (GDPR Art. 30(1)) of one configuration.
type Inventory struct {
	Purpose    string   `json:"purpose"`
	Recipients []string `json:"recipients"`
	Places     []Place  `json:"places"`
}

// inventory prints every place the gateway keeps personal data, from the configuration.
func inventory(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inventory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("c", "", "the gateway's configuration `FILE` (default: the embedded defaults)")
	jsonOut := fs.Bool("json", false, "print the inventory as JSON")
	if err := fs.Parse(args); err != nil {
		return fail(stderr, "inventory", usageError{""})
	}
	if fs.NArg() > 0 {
		return fail(stderr, "inventory", usageError{fmt.Sprintf("unexpected argument %q", fs.Arg(0))})
	}
	cfg, err := config.Load(*configFile, os.Environ())
	if err != nil {
		return fail(stderr, "inventory", usageError{err.Error()})
	}
	inv := inventoryOf(cfg)
	if *jsonOut {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(inv)
		return exitOK
	}
	fmt.Fprintf(stdout, "Purpose: %s\nRecipients: %s\n\n", inv.Purpose, strings.Join(inv.Recipients, "; "))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PLACE\tLOCATION\tPERSONAL DATA\tSUBJECTS\tKEPT\tREMOVED BY")
	for _, p := range inv.Places {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Place, p.Location, p.Data, p.Subjects, p.Kept, p.Removed)
	}
	tw.Flush()
	return exitOK
}

func inventoryOf(cfg *config.Config) Inventory {
	store := "local directory " + cfg.ObjectDir()
	if cfg.Storage.S3.Endpoint != "" {
		store = fmt.Sprintf("S3 bucket %s at %s", cfg.Storage.S3.Bucket, cfg.Storage.S3.Endpoint)
	}
	at := func(prefix string) string { return store + ": " + prefix }
	kept := retentionOf(cfg)
	nats := "embedded server, " + filepath.Join(cfg.DataDir, "nats")
	if cfg.NATS.URL != "" {
		nats = "NATS server " + cfg.NATS.URL
	}
	events := "forever"
	if cfg.NATS.EventsMaxAge > 0 {
		events = cfg.NATS.EventsMaxAge.String() + " (nats.events_max_age)"
	}
	anonymized := "not written (rights.erase_keeps: nothing)"
	if cfg.Rights.EraseKeeps == rights.KeepStatistics {
		anonymized = "kept: no personal data"
	}
	purpose := cfg.Exports.Purpose
	if purpose == "" {
		purpose = rights.DefaultPurpose
	}
	recipients := cfg.Exports.Recipients
	if len(recipients) == 0 {
		recipients = rights.DefaultRecipients
	}
	const parties = "callers, CRM customers, agents"
	callID, audio, recording := "SIP Call-ID encrypted to the caller's key", "the call's audio, each party's channel encrypted to that party's key", "<id>.sealed and .json"
	switch cfg.Encryption.Mode {
	case config.EncryptionPublicKey:
		callID, audio = "SIP Call-ID encrypted to encryption.recipients", "the call's audio, encrypted to encryption.recipients (the gateway cannot read it)"
	case config.EncryptionOff:
		callID, audio, recording = "SIP Call-ID", "the call's audio (both parties), unencrypted", "<id>.wav and .json"
	}
	keyStore := "wrapped by encryption.kek"
	if cfg.Encryption.KEK == "" {
		keyStore = "wrapped by " + filepath.Join(cfg.DataDir, sealing.KEKFileName)
	}
	return Inventory{Purpose: purpose, Recipients: recipients, Places: []Place{
		{"consent receipts", at("consent/YYYY/MM/DD/<id>.json"), "subject keys (pseudonyms), " + callID + ", route, times, decision, digit, caller's country", parties, kept, "erase (scopes subject, call); retention"},
		{"recordings", at("recordings/YYYY/MM/DD/" + recording), audio + "; metadata: the Call-ID's key, subject keys, key ids, times", "callers, agents", kept, "erase (every scope, with the subject's keys); retention"},
		{"subject index", at("subjects/<subject-key>/"), "which calls and export bundles belong to a subject key", parties, "as its call", "erase; retention"},
		{"export bundles", at("exports/<request-id>.zip"), "copies of a subject's receipts and recordings (with the other party's voice)", parties, cfg.Exports.Expires.String() + " (exports.expires)", "expiry; erase of the subject"},
		{"request records", at("requests/<sha256>.json"), "subject keys, requesters, an erase's plan while it runs", "subjects, requesters", "kept: proof of each request", "the operator"},
		{"erasure certificates", at(rights.CertificatePrefix + "<request-id>.json"), "subject key and the keys erased", "subjects, requesters", "kept: proof of erasure (Art. 5(2))", "the operator"},
		{"legal holds", at("holds/<id>.json"), "subject key or call id, reason, requester", "subjects, requesters", "until released", "release"},
		{"anonymous statistics", at(rights.AnonymizedPrefix + "YYYY/MM/DD/"), "none: route, hour, decision, method, mode, policy, prompt", "none", anonymized, "the operator"},
		{"spool", filepath.Join(cfg.DataDir, "spool"), "receipts and audio (encrypted as stored, its file keys sealed to this node's spool key) of calls in progress or not stored yet", "callers, agents", "until stored (longer while the store is away, or while the spool's disk is full: then in memory)", "upload; erase (every node)"},
		{"durable requests", nats + ": stream CONSENTGW_REQUESTS", "requests as sent: phone numbers and customer ids in clear, requesters", "subjects, requesters", "until a gateway has done the request", "processing"},
		{"party keys", nats + ": key-value bucket " + keystore.Bucket + ", " + keyStore, "each party's keys, named by its subject keys: they unlock its channels and Call-IDs wherever a copy went", parties, "until the subject is erased", "erase of a subject (destroyed on every replica)"},
		{"call registry", nats + ": key-value bucket " + registry.Bucket, "which node holds which call: receipt ids and the subject keys of calls in progress", parties, "while the call lasts; a dead node's for a day", "the call's end; the node's next start; the bucket's TTL"},
		{"audit trail", nats + ": stream CONSENTGW_EVENTS", "receipts without their Call-ID (its key instead), subject keys, request results, object keys", parties + ", requesters", events, "stream age limit"},
		{"logs", "stderr (log.format " + cfg.Log.Format + ", level " + cfg.Log.Level + ")", "Call-ID keys, receipt ids, shortened subject keys; at debug, SIP with numbers and Call-IDs masked", "callers, agents", "the log collector's policy", "the log collector"},
		{"keys", filepath.Join(cfg.DataDir, subject.KeyFileName) + ", " + filepath.Join(cfg.DataDir, signing.KeyFileName) + ", " + filepath.Join(cfg.DataDir, sealing.KEKFileName) + ", " + filepath.Join(cfg.DataDir, sealing.SpoolKeyFileName), "none (secrets: the HMAC key links numbers to subject keys; the KEK unwraps the party keys)", "none", "kept", "the operator"},
		{"metrics", "http://" + cfg.HTTP.Listen + "/metrics", "none (counts only)", "none", "the scraper's", "the scraper"},
	}}
}

// retentionOf says how long call data is kept, from the rules.
func retentionOf(cfg *config.Config) string {
	rules := cfg.RetentionRules()
	if len(rules) == 0 {
		return "until erased"
	}
	var parts []string
	for _, r := range rules {
		keep := "until erased"
		if r.Keep > 0 {
			keep = r.Keep.String()
		}
		scope := "all calls"
		if r.Route != "" || r.Region != "" {
			scope = strings.TrimSpace("route " + or(r.Route, "*") + " region " + or(r.Region, "*"))
		}
		parts = append(parts, scope+": "+keep)
	}
	return strings.Join(parts, "; ") + " (longest matching rule wins)"
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/consent/rights"
	"github.com/consentgw/consentgw/consent/signing"
	"github.com/consentgw/consentgw/consent/subject"
)

// maxVerifyFile bounds the file verify reads (an export bundle holds audio).
const maxVerifyFile = 4 << 30

// verify checks an erasure certificate, or every receipt of an export bundle, against
// the deployment's public key.
func verify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keysFrom := fs.String("keys", "", "trusted keys: the `URL` of a gateway's /.well-known/consentgw-keys, or a file holding that key set")
	key := fs.String("key", "", "a trusted public key, `BASE64` (the x of a key in the key set)")
	configFile := fs.String("c", "", "configuration `FILE` whose key (rights.signing_key or data_dir/signing.key) is trusted, when neither --keys nor --key is given")
	if err := fs.Parse(args); err != nil {
		return fail(stderr, "verify", usageError{""})
	}
	if fs.NArg() != 1 {
		return fail(stderr, "verify", usageError{"give one FILE: an erasure certificate (.json) or an export bundle (.zip)"})
	}
	keys, err := trustedKeys(*keysFrom, *key, *configFile)
	if err != nil {
		return fail(stderr, "verify", err)
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fail(stderr, "verify", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxVerifyFile))
	if err != nil {
		return fail(stderr, "verify", err)
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return verifyBundle(data, keys, stdout, stderr)
	}
	c, kid, err := rights.VerifyCertificate(data, keys)
	if err != nil {
		return fail(stderr, "verify", fmt.Errorf("%s is NOT a valid certificate: %w", fs.Arg(0), err))
	}
	who := "call " + c.Call
	if c.SubjectKey != "" {
		who = c.SubjectType + " subject " + subject.Redact(c.SubjectKey)
	}
	fmt.Fprintf(stdout, "valid: erasure certificate of request %s (scope %s, %s), signed by key %s, unaltered\n", c.RequestID, c.Scope, who, kid)
	fmt.Fprintf(stdout, "%s at %s by %s: %d objects deleted (%d versions), %d recordings, %d receipts (%d anonymized), %d keys destroyed, %d items held\n",
		c.Status, c.CompletedAt.Format(time.RFC3339), c.Gateway, len(c.ObjectsDeleted), c.VersionsRemoved, c.RecordingsDeleted,
		c.ReceiptsDeleted, c.ReceiptsAnonymized, len(c.KeysDestroyed), len(c.Held))
	return exitOK
}

func verifyBundle(data []byte, keys signing.KeySet, stdout, stderr io.Writer) int {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fail(stderr, "verify", fmt.Errorf("not a zip file: %w", err))
	}
	res, err := rights.VerifyBundle(zr, keys)
	if err != nil {
		return fail(stderr, "verify", err)
	}
	bad := 0
	for _, r := range res {
		switch {
		case r.Err == nil:
			fmt.Fprintf(stdout, "valid: receipt %s, signed by key %s, unaltered\n", r.ID, r.KeyID)
		case errors.Is(r.Err, rights.ErrNotSigned):
			bad++
			fmt.Fprintf(stdout, "UNSIGNED: receipt %s (stored before receipts were signed)\n", r.ID)
		default:
			bad++
			fmt.Fprintf(stdout, "NOT VALID: receipt %s: %v\n", r.ID, r.Err)
		}
	}
	if bad > 0 {
		return fail(stderr, "verify", fmt.Errorf("%d of %d receipts cannot be shown unaltered", bad, len(res)))
	}
	fmt.Fprintf(stdout, "all %d receipts of the bundle are signed and unaltered\n", len(res))
	return exitOK
}

// trustedKeys reads the keys verify trusts: a key set (URL or file), one key, or the
// configuration's own key (never created here).
func trustedKeys(from, key, configFile string) (signing.KeySet, error) {
	switch {
	case key != "":
		k, err := signing.ParsePublicKey(key)
		if err != nil {
			return nil, usageError{"--key: " + err.Error()}
		}
		return signing.KeySet{k}, nil
	case strings.HasPrefix(from, "http://") || strings.HasPrefix(from, "https://"):
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, from, nil)
		if err != nil {
			return nil, usageError{"--keys: " + err.Error()}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("fetching the keys: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("fetching the keys from %s: HTTP %s", from, resp.Status)
		}
		return signing.ParseJWKS(resp.Body)
	case from != "":
		f, err := os.Open(from)
		if err != nil {
			return nil, usageError{"--keys: " + err.Error()}
		}
		defer f.Close()
		return signing.ParseJWKS(f)
	}
	cfg, err := config.Load(configFile, os.Environ())
	if err != nil {
		return nil, usageError{err.Error()}
	}
	k, err := signing.Load(cfg.DataDir, cfg.Rights.SigningKey)
	if err != nil {
		return nil, fmt.Errorf("no key to trust: give --keys http://GATEWAY/.well-known/consentgw-keys, or -c with the gateway's configuration (%w)", err)
	}
	return signing.KeySet{k.Public()}, nil
}

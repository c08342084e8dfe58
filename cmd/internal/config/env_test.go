package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestEnvironmentOverridesFile(t *testing.T) {
	path := writeConfig(t, "consent:\n  timeout: 5s\n  repeats: 3\nstorage:\n  s3:\n    secret_key: from-file\n")
	c, err := Load(path, []string{
		"HOME=/root",
		"CONSENTGW_CONSENT_TIMEOUT=9s",
		"CONSENTGW_STORAGE_S3_SECRET_KEY=from-env",
		"CONSENTGW_STORAGE_S3_SECURE=true",
		"CONSENTGW_DATA_DIR=/tmp/gw",
		"CONSENTGW_SIP_LISTEN=udp:127.0.0.1:5070, tcp:127.0.0.1:5070",
		"CONSENTGW_MEDIA_PORT_MIN=30000",
		"CONSENTGW_MEDIA_PORT_MAX=30009",
		"CONSENTGW_SUBJECTS_DEFAULT_REGION=DK",
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"consent.timeout (env beats file)", c.Consent.Timeout, Duration(9 * time.Second)},
		{"consent.repeats (file only)", c.Consent.Repeats, 3},
		{"storage.s3.secret_key", c.Storage.S3.SecretKey, "from-env"},
		{"storage.s3.secure", c.Storage.S3.Secure, true},
		{"data_dir", c.DataDir, "/tmp/gw"},
		{"sip.listen", c.SIP.Listen, []string{"udp:127.0.0.1:5070", "tcp:127.0.0.1:5070"}},
		{"media.port_min", c.Media.PortMin, 30000},
		{"media.port_max", c.Media.PortMax, 30009},
		{"subjects.default_region", c.Subjects.DefaultRegion, "DK"},
	}
	for _, ch := range checks {
		if !reflect.DeepEqual(ch.got, ch.want) {
			t.Errorf("%s = %v, want %v", ch.name, ch.got, ch.want)
		}
	}
}

func TestEnvironmentWithoutFile(t *testing.T) {
	c, err := Load("", []string{"CONSENTGW_HTTP_LISTEN=127.0.0.1:0", "CONSENTGW_NATS_URL=nats://127.0.0.1:4222"})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Listen != "127.0.0.1:0" || c.NATS.URL != "nats://127.0.0.1:4222" {
		t.Errorf("http %q nats %q", c.HTTP.Listen, c.NATS.URL)
	}
}

// The embedded server's users come from the environment too, a list per role; a bad
// entry is named by its variable.
func TestEnvironmentSetsEmbeddedNATSUsers(t *testing.T) {
	_, err := Load("", []string{"CONSENTGW_NATS_AUTHORIZATION_CRM=crm:$2a$10$Qs9Uk7ndMYmYi4Fr/ZYfGOEWwlJVReRwzFy63Uy.dgFo/GAg.EGeS,crm2:UAGK5ITCWXCZNFWWDM5C7PBC2FUH46TZ2HXZTCCIYP5IRCXLVKRDTW5N",
		"CONSENTGW_NATS_AUTHORIZATION_DPO=dpo:UAGK5ITCWXCZNFWWDM5C7PBC2FUH46TZ2HXZTCCIYP5IRCXLVKRDTW5X"})
	if err == nil || !strings.Contains(err.Error(), "CONSENTGW_NATS_AUTHORIZATION_DPO (nats.authorization.dpo[0])") {
		t.Fatalf("a broken nkey: %v", err)
	}
	c, err := Load("", []string{"CONSENTGW_NATS_AUTHORIZATION_CRM=crm:$2a$10$Qs9Uk7ndMYmYi4Fr/ZYfGOEWwlJVReRwzFy63Uy.dgFo/GAg.EGeS,crm2:UAGK5ITCWXCZNFWWDM5C7PBC2FUH46TZ2HXZTCCIYP5IRCXLVKRDTW5N"})
	if err != nil {
		t.Fatal(err)
	}
	users := c.NATS.Authorization.Users()
	if len(users) != 2 || users[0].Name != "crm" || users[0].BcryptHash == "" || users[1].Name != "crm2" || users[1].NKey != "UAGK5ITCWXCZNFWWDM5C7PBC2FUH46TZ2HXZTCCIYP5IRCXLVKRDTW5N" || users[1].Role != "crm" {
		t.Fatalf("users %+v", users)
	}
}

func TestEnvironmentErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		env  string
		want string
		is   error
	}{
		{"unknown variable", "CONSENTGW_SIP_LISTNE=x", "config: CONSENTGW_SIP_LISTNE: unknown key", ErrUnknownKey},
		{"section is not a setting", "CONSENTGW_SIP=x", "config: CONSENTGW_SIP: unknown key", ErrUnknownKey},
		{"routes are file only", "CONSENTGW_ROUTES_0_NAME=x", "config: CONSENTGW_ROUTES_0_NAME: routes can only be set in the configuration file", ErrInvalidValue},
		{"bad duration", "CONSENTGW_CONSENT_TIMEOUT=soon", "config: CONSENTGW_CONSENT_TIMEOUT (consent.timeout): invalid duration \"soon\"", ErrInvalidValue},
		{"bad integer", "CONSENTGW_MEDIA_PORT_MIN=", "config: CONSENTGW_MEDIA_PORT_MIN (media.port_min): invalid integer", ErrInvalidValue},
		{"bad bool", "CONSENTGW_STORAGE_S3_SECURE=sure", "config: CONSENTGW_STORAGE_S3_SECURE (storage.s3.secure): invalid boolean", ErrInvalidValue},
		{"negative duration", "CONSENTGW_STORAGE_RETENTION=-1h", "config: CONSENTGW_STORAGE_RETENTION (storage.retention): -1h0m0s must not be negative", ErrInvalidValue},
		{"bad listener", "CONSENTGW_SIP_LISTEN=udp:0.0.0.0:5060,quic:0.0.0.0:5060", "config: CONSENTGW_SIP_LISTEN (sip.listen[1]): listener \"quic:0.0.0.0:5060\": unknown transport", ErrInvalidValue},
		{"empty listener list", "CONSENTGW_SIP_LISTEN=", "config: CONSENTGW_SIP_LISTEN (sip.listen): needs at least one", ErrInvalidValue},
		{"bad region", "CONSENTGW_SUBJECTS_DEFAULT_REGION=ZZ", "config: CONSENTGW_SUBJECTS_DEFAULT_REGION (subjects.default_region)", ErrInvalidValue},
		{"overlapping digits", "CONSENTGW_CONSENT_DECLINE_DIGITS=1", "config: CONSENTGW_CONSENT_DECLINE_DIGITS (consent.decline_digits): \"1\" is also an accept digit", ErrInvalidValue},
		{"bad media ip", "CONSENTGW_MEDIA_IP=eth0", "config: CONSENTGW_MEDIA_IP (media.ip)", ErrInvalidValue},
		{"bad log level", "CONSENTGW_LOG_LEVEL=trace", "config: CONSENTGW_LOG_LEVEL (log.level)", ErrInvalidValue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load("", []string{tt.env})
			if err == nil {
				t.Fatalf("Load accepted %s", tt.env)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q\ndoes not contain %q", err, tt.want)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
}

func TestEnvironmentReplacesFileListAndItsLines(t *testing.T) {
	path := writeConfig(t, "sip:\n  listen:\n    - udp:0.0.0.0:5060\n    - tcp:0.0.0.0:5060\n")
	_, err := Load(path, []string{"CONSENTGW_SIP_LISTEN=udp:0.0.0.0:5060,bogus"})
	if err == nil || !strings.Contains(err.Error(), "CONSENTGW_SIP_LISTEN (sip.listen[1])") || strings.Contains(err.Error(), "line") {
		t.Errorf("err = %v, want it to blame the variable, not the file", err)
	}
}

func TestEveryScalarKeyHasItsOwnVariable(t *testing.T) {
	seen := map[string]string{}
	for _, l := range leaves(reflect.TypeFor[Config](), "", nil) {
		name := EnvName(l.path)
		if other, dup := seen[name]; dup {
			t.Errorf("%s and %s both map to %s", other, l.path, name)
		}
		seen[name] = l.path
		if strings.HasPrefix(l.path, "routes") {
			t.Errorf("route key %s has a variable", l.path)
		}
	}
	for _, want := range []string{"CONSENTGW_DATA_DIR", "CONSENTGW_STORAGE_S3_SECRET_KEY", "CONSENTGW_CONSENT_TIMEOUT",
		"CONSENTGW_SIP_LISTEN", "CONSENTGW_MEDIA_PORT_MIN", "CONSENTGW_NODE_NAME", "CONSENTGW_LOG_FORMAT"} {
		if _, ok := seen[want]; !ok {
			t.Errorf("no variable %s", want)
		}
	}
}

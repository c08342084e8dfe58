package prompt

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"testing"
	"time"
)

func TestBuiltinEnglishPromptIsEmbedded(t *testing.T) {
	p, err := Builtin("en")
	if err != nil {
		t.Fatalf("Builtin: %v", err)
	}
	raw, err := os.ReadFile("assets/consent-en.wav")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if p.ID != "builtin:en" || p.Language != "en" || p.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("identity = %q %q %q", p.ID, p.Language, p.SHA256)
	}
	// The asset is already 8 kHz, so it is taken sample for sample.
	if want := (len(raw) - 44) / 2; len(p.Samples) != want {
		t.Errorf("%d samples, want %d", len(p.Samples), want)
	}
	if d := p.Duration(); d < 5*time.Second || d > 15*time.Second {
		t.Errorf("Duration = %v, want the ~10 s prompt", d)
	}
	var peak int16
	for _, v := range p.Samples {
		peak = max(peak, v, -v)
	}
	if peak < 16000 {
		t.Errorf("peak %d, want about -3 dBFS (23197)", peak)
	}
}

func TestBuiltinCallersOwnTheirSamples(t *testing.T) {
	a, _ := Builtin("en")
	b, _ := Builtin("en")
	a.Samples[0] = 12345
	if b.Samples[0] == 12345 {
		t.Error("two Builtin calls share samples")
	}
}

func TestBuiltinPromptsInEnglishAndDanish(t *testing.T) {
	for _, c := range []struct{ kind, lang, id string }{
		{KindConsent, "da", "builtin:da"},
		{KindWithdrawn, "en", "builtin:withdrawn-en"},
		{KindWithdrawn, "da", "builtin:withdrawn-da"},
		{KindNotice, "en", "builtin:notice-en"},
		{KindMenu, "en-da", "builtin:menu-en-da"},
	} {
		p, err := BuiltinKind(c.kind, c.lang)
		if err != nil {
			t.Fatalf("%s %s: %v", c.kind, c.lang, err)
		}
		if p.ID != c.id || p.Language != c.lang || len(p.SHA256) != 64 || p.Duration() < time.Second {
			t.Errorf("%s %s: %q %q %q %v", c.kind, c.lang, p.ID, p.Language, p.SHA256, p.Duration())
		}
	}
}

func TestBuiltinOtherLanguagesDoNotExist(t *testing.T) {
	for _, lang := range []string{"", "de", "EN", "en-US", "../consent-en"} {
		if _, err := Builtin(lang); !errors.Is(err, ErrNoBuiltinPrompt) {
			t.Errorf("Builtin(%q) error = %v, want ErrNoBuiltinPrompt", lang, err)
		}
	}
}

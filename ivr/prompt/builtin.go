package prompt

import (
	"embed"
	"fmt"
)

// assets holds the built-in prompts, named <kind>-<language>.wav.
//
//go:embed assets/*.wav
var assets embed.FS

// Kinds of built-in prompt.
const (
	// KindConsent asks for consent: accept or decline digits.
	KindConsent = "consent"
	// KindNotice announces a recording without asking (notice-mode routes).
	KindNotice = "notice"
	// KindWithdrawn confirms to the caller that the recording stopped and was deleted.
	KindWithdrawn = "withdrawn"
	// KindMenu offers a choice of languages; its "language" is the choices joined by
	// "-" in key order: menu-en-da says "For English, press 1. For dansk, tryk 2."
	KindMenu = "menu"
)

// Builtin returns the built-in consent prompt for language ("en" or "da").
func Builtin(language string) (*Prompt, error) { return BuiltinKind(KindConsent, language) }

// BuiltinKind returns the built-in prompt of kind for language: consent in en and da,
// notice in en, withdrawn in en and da.
func BuiltinKind(kind, language string) (*Prompt, error) {
	b, err := assets.ReadFile("assets/" + kind + "-" + language + ".wav")
	if err != nil {
		return nil, fmt.Errorf("loading built-in %s prompt %q: %w", kind, language, ErrNoBuiltinPrompt)
	}
	id := "builtin:" + language
	if kind != KindConsent {
		id = "builtin:" + kind + "-" + language
	}
	// Decoded on every call so callers own their samples and nothing is shared.
	p, err := decode(b, id, language)
	if err != nil {
		return nil, fmt.Errorf("decoding built-in %s prompt %q: %w", kind, language, err)
	}
	return p, nil
}

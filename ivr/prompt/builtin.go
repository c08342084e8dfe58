package prompt

import (
	_ "embed"
	"fmt"
)

//go:embed assets/consent-en.wav
var builtinEN []byte

// Builtin returns the built-in prompt for language. Only "en" exists.
func Builtin(language string) (*Prompt, error) {
	if language != "en" {
		return nil, fmt.Errorf("loading built-in prompt %q: %w", language, ErrNoBuiltinPrompt)
	}
	// Decoded on every call so callers own their samples and nothing is shared.
	p, err := decode(builtinEN, "builtin:en", language)
	if err != nil {
		return nil, fmt.Errorf("decoding built-in prompt %q: %w", language, err)
	}
	return p, nil
}

package subject

import (
	"errors"
	"fmt"

	"github.com/consentgw/consentgw/consent/keyfile"
)

// KeyFileName is the file in data_dir that holds the generated HMAC key.
const KeyFileName = "subjects.key"

// LoadOrCreateKey returns the HMAC key for subject pseudonyms. A configured
// key (subjects.hmac_key) is used as its bytes. Otherwise the key is read
// from <dataDir>/subjects.key, which is created with 32 random bytes (hex,
// mode 0600) the first time. Losing this file makes every stored subject
// key unreachable, so it is never overwritten (see keyfile).
func LoadOrCreateKey(dataDir, configured string) ([]byte, error) {
	if configured != "" {
		if len(configured) < MinKeyLen {
			return nil, fmt.Errorf("loading subjects.hmac_key: %w", ErrShortKey)
		}
		return []byte(configured), nil
	}
	return keyFileResult(keyfile.LoadOrCreate(dataDir, KeyFileName, MinKeyLen))
}

// LoadKey returns the key LoadOrCreateKey would, without creating one: tools that
// compute pseudonyms for an operator must find the gateway's key, not make a new one.
func LoadKey(dataDir, configured string) ([]byte, error) {
	if configured != "" {
		return LoadOrCreateKey(dataDir, configured)
	}
	return keyFileResult(keyfile.Load(dataDir, KeyFileName, MinKeyLen))
}

func keyFileResult(key []byte, err error) ([]byte, error) {
	if errors.Is(err, keyfile.ErrBadFile) {
		return nil, fmt.Errorf("reading subject key: %w: %w", ErrBadKeyFile, err)
	}
	if err != nil {
		return nil, fmt.Errorf("subject key: %w", err)
	}
	return key, nil
}

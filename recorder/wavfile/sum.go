package wavfile

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// SHA256 is the lowercase hex SHA-256 of the file at path: the checksum a recording's
// metadata and events carry.
func SHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("hashing recording: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing recording: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

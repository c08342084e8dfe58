package local

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"

	"github.com/consentgw/consentgw/storage"
)

// An object's content type and metadata live in a hidden sidecar beside
// it, "<dir>/.<name>.meta", so the object file itself stays the plain
// content an operator can open. storage.ValidKey rejects segments starting
// with '.', so no key can name a sidecar or a temporary file.
const sidecarSuffix = ".meta"

type sidecar struct {
	ContentType string            `json:"content_type"`
	Metadata    map[string]string `json:"metadata,omitempty"`
}

func sidecarName(key string) string {
	return path.Join(path.Dir(key), "."+path.Base(key)+sidecarSuffix)
}

func newSidecar(opts storage.PutOptions) sidecar {
	sc := sidecar{ContentType: opts.ContentType}
	if sc.ContentType == "" {
		sc.ContentType = storage.DefaultContentType
	}
	if len(opts.Metadata) > 0 {
		sc.Metadata = maps.Clone(opts.Metadata)
	}
	return sc
}

// impliedTypes are the content types an object's name implies, so that its
// sidecar can be left out when it says nothing else.
var impliedTypes = map[string]string{
	".json": "application/json",
	".wav":  "audio/wav",
	".zip":  "application/zip",
}

// impliedType is the content type of an object without a sidecar.
func impliedType(key string) string {
	if t, ok := impliedTypes[path.Ext(key)]; ok {
		return t
	}
	return storage.DefaultContentType
}

// implied tells whether key's object needs no sidecar to say sc.
func (sc sidecar) implied(key string) bool {
	return len(sc.Metadata) == 0 && sc.ContentType == impliedType(key)
}

// readSidecar returns the object's sidecar. An object without one (its Put
// had nothing to say beyond its name, or the process died between the two
// renames of a first Put) gets the defaults its name implies.
func (s *Store) readSidecar(key string) (sidecar, error) {
	b, err := s.root.ReadFile(sidecarName(key))
	if errors.Is(err, fs.ErrNotExist) {
		return sidecar{ContentType: impliedType(key)}, nil
	}
	if err != nil {
		return sidecar{}, fmt.Errorf("reading metadata of %s: %w", key, err)
	}
	var sc sidecar
	if err := json.Unmarshal(b, &sc); err != nil {
		return sidecar{}, fmt.Errorf("reading metadata of %s: %w", key, err)
	}
	return sc, nil
}

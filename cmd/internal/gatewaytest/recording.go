package gatewaytest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/decrypt"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/local"
)

// RecordingWAV is the stored recording at key as a stereo WAV file in a temp dir: a
// sealed recording decrypted with the gateway's key store (a channel whose key is gone is
// silence), a plain one as stored.
func (g *Gateway) RecordingWAV(t testing.TB, key string) string {
	t.Helper()
	wav, _ := recordingWAV(t, g.Store(), g.KeyStore().Identities, key)
	return wav
}

// DecryptRecording is RecordingWAV that also says which channels opened.
func (g *Gateway) DecryptRecording(t testing.TB, key string) (string, sealing.Decrypted) {
	t.Helper()
	return recordingWAV(t, g.Store(), g.KeyStore().Identities, key)
}

// RecordingWAV is the stored recording at key as a stereo WAV, decrypted through the
// process's NATS (nats.url, or its embedded server at nats.listen) and key-encryption
// key, as `consentgw decrypt -c` does. The process must be running, and store in its
// local directory.
func (p *Process) RecordingWAV(t testing.TB, key string) string {
	t.Helper()
	open, done, err := decrypt.Keys(t.Context(), p.Config)
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	st, err := local.New(p.Config.ObjectDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	wav, _ := recordingWAV(t, st, open, key)
	return wav
}

func recordingWAV(t testing.TB, st storage.Store, open sealing.Opener, key string) (string, sealing.Decrypted) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "recording.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := decrypt.Stored(context.Background(), st, open, key, f)
	if err != nil {
		t.Fatalf("decrypting %s: %v", key, err)
	}
	return path, d
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/decrypt"
	"github.com/consentgw/consentgw/consent/sealing"
)

// decryptCmd turns a sealed recording back into a stereo WAV: from the configured store
// (a key) or from a file (a copy of the object, with its metadata), with the parties'
// keys from the key store or the age identities of a file.
func decryptCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("decrypt", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFile := fs.String("c", "", "configuration `FILE`: its store, and its key store (NATS, login, encryption.kek)")
	out := fs.String("o", "", "`FILE` to write the WAV to (default <id>.wav; - is standard output)")
	identityFile := fs.String("identity", "", "age identity `FILE` (AGE-SECRET-KEY-1… lines) to decrypt with instead of the key store: public-key mode")
	metaFile := fs.String("meta", "", "the recording's metadata `FILE` when RECORDING is a file (default: RECORDING with .json for .sealed)")
	if err := fs.Parse(args); err != nil {
		return fail(stderr, "decrypt", usageError{""})
	}
	if fs.NArg() != 1 {
		return fail(stderr, "decrypt", usageError{"give one RECORDING: a key (recordings/YYYY/MM/DD/<id>.sealed) or a file"})
	}
	cfg, err := config.Load(*configFile, os.Environ())
	if err != nil {
		return fail(stderr, "decrypt", usageError{err.Error()})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	open, done, err := opener(ctx, cfg, *identityFile)
	if err != nil {
		return fail(stderr, "decrypt", err)
	}
	defer done()
	recording := fs.Arg(0)
	name := *out
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(recording), filepath.Ext(recording)) + ".wav"
	}
	w, closeOut, err := output(name, stdout)
	if err != nil {
		return fail(stderr, "decrypt", err)
	}
	var d sealing.Decrypted
	if strings.HasPrefix(recording, "recordings/") {
		d, err = fromStore(ctx, cfg, open, recording, w)
	} else {
		d, err = fromFile(ctx, recording, *metaFile, open, w)
	}
	if cerr := closeOut(); err == nil {
		err = cerr
	}
	if err == nil && len(d.Opened) == 0 {
		err = errors.New("no key opens any channel of this recording: its parties' keys were destroyed (erased), or the identities given are not its")
	}
	if err != nil {
		if name != "-" {
			os.Remove(name)
		}
		return fail(stderr, "decrypt", err)
	}
	fmt.Fprintf(stderr, "decrypted %s: %s (%.1f s) to %s\n", filepath.Base(recording), channelsSaid(d), float64(d.Frames)/sealing.SampleRate, name)
	return exitOK
}

// opener is the keys to decrypt with: an identity file's, or the key store's.
func opener(ctx context.Context, cfg *config.Config, identityFile string) (sealing.Opener, func(), error) {
	if identityFile == "" {
		return decrypt.Keys(ctx, cfg)
	}
	f, err := os.Open(identityFile)
	if err != nil {
		return nil, nil, usageError{fmt.Sprintf("--identity: %v", err)}
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, nil, usageError{fmt.Sprintf("--identity %s: %v", identityFile, err)}
	}
	return sealing.Identities(ids...), func() {}, nil
}

func output(name string, stdout io.Writer) (io.Writer, func() error, error) {
	if name == "-" {
		return stdout, func() error { return nil }, nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, nil, err
	}
	return f, f.Close, nil
}

func fromStore(ctx context.Context, cfg *config.Config, open sealing.Opener, key string, w io.Writer) (sealing.Decrypted, error) {
	st, closeStore, err := openStore(ctx, cfg)
	if err != nil {
		return sealing.Decrypted{}, err
	}
	defer closeStore()
	return decrypt.Stored(ctx, st, open, key, w)
}

func fromFile(ctx context.Context, path, metaFile string, open sealing.Opener, w io.Writer) (sealing.Decrypted, error) {
	if metaFile == "" {
		metaFile = strings.TrimSuffix(path, filepath.Ext(path)) + ".json"
	}
	body, err := os.ReadFile(metaFile)
	if err != nil {
		return sealing.Decrypted{}, usageError{fmt.Sprintf("the recording's metadata: %v (give it with --meta)", err)}
	}
	var m decrypt.Metadata
	if err := json.Unmarshal(body, &m); err != nil {
		return sealing.Decrypted{}, fmt.Errorf("the recording's metadata %s: %w", metaFile, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return sealing.Decrypted{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return sealing.Decrypted{}, err
	}
	return decrypt.File(ctx, f, st.Size(), m, open, w)
}

// channelsSaid says which channels were decrypted and which are silence.
func channelsSaid(d sealing.Decrypted) string {
	s := strings.Join(d.Opened, " and ") + " decrypted"
	if len(d.Missing) > 0 {
		s += "; " + strings.Join(d.Missing, " and ") + " silent: no key opens it (erased, or not among the identities given)"
	}
	return s
}

package sealing

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/consentgw/consentgw/consent"
)

// sealedObject encrypts frames samples per party (the caller counting up, the agent
// down) as a sealed recording, each stream to its own identity.
func sealedObject(t testing.TB, caller, agent *age.X25519Identity, frames int) ([]byte, []consent.SealedStream) {
	t.Helper()
	var obj bytes.Buffer
	var streams []consent.SealedStream
	for i, id := range []*age.X25519Identity{caller, agent} {
		start := obj.Len()
		w, err := age.Encrypt(&obj, id.Recipient())
		if err != nil {
			t.Fatal(err)
		}
		for f := range frames {
			s := int16(f)
			if i == 1 {
				s = -s
			}
			binary.Write(w, binary.LittleEndian, s)
		}
		w.Close()
		streams = append(streams, consent.SealedStream{
			Party: []string{PartyCaller, PartyAgent}[i], Key: []string{"party.c", "party.a"}[i],
			Offset: int64(start), Size: int64(obj.Len() - start), Frames: int64(frames),
		})
	}
	return obj.Bytes(), streams
}

func TestDecryptRecordingSilencesTheChannelWhoseKeyIsGone(t *testing.T) {
	caller, _ := age.GenerateX25519Identity()
	agent, _ := age.GenerateX25519Identity()
	obj, streams := sealedObject(t, caller, agent, 70000) // more than a chunk
	for _, tc := range []struct {
		name    string
		keys    map[string]*age.X25519Identity
		opened  []string
		silence int
	}{
		{"both keys", map[string]*age.X25519Identity{"party.c": caller, "party.a": agent}, []string{PartyCaller, PartyAgent}, -1},
		{"caller erased", map[string]*age.X25519Identity{"party.a": agent}, []string{PartyAgent}, 0},
		{"agent erased", map[string]*age.X25519Identity{"party.c": caller}, []string{PartyCaller}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open := func(_ context.Context, name string) ([]age.Identity, error) {
				if id, ok := tc.keys[name]; ok {
					return []age.Identity{id}, nil
				}
				return nil, ErrNoKey
			}
			var wav bytes.Buffer
			d, err := DecryptRecording(t.Context(), bytes.NewReader(obj), int64(len(obj)), streams, open, &wav)
			if err != nil {
				t.Fatal(err)
			}
			if d.Frames != 70000 || len(d.Opened) != len(tc.opened) || wav.Len() != WAVHeaderSize+70000*4 {
				t.Fatalf("decrypted %+v into %d bytes", d, wav.Len())
			}
			samples := make([]int16, 2*70000)
			binary.Read(bytes.NewReader(wav.Bytes()[WAVHeaderSize:]), binary.LittleEndian, samples)
			for f := 1; f < 70000; f += 9973 {
				for ch, want := range []int16{int16(f), -int16(f)} {
					if ch == tc.silence {
						want = 0
					}
					if got := samples[2*f+ch]; got != want {
						t.Fatalf("frame %d channel %d = %d, want %d", f, ch, got, want)
					}
				}
			}
		})
	}
}

func TestDecryptRecordingRefusesACorruptChannelItCanOpen(t *testing.T) {
	caller, _ := age.GenerateX25519Identity()
	agent, _ := age.GenerateX25519Identity()
	obj, streams := sealedObject(t, caller, agent, 70000)
	obj[streams[0].Offset+streams[0].Size-100] ^= 1 // a bit of the caller's last chunk
	_, err := DecryptRecording(t.Context(), bytes.NewReader(obj), int64(len(obj)), streams, Identities(caller, agent), io.Discard)
	if err == nil {
		t.Fatal("a tampered channel decrypted")
	}
}

// A stream cut at a chunk boundary, its frames in the metadata lowered to match, is no
// proper age stream (its last chunk is not marked last): it is refused, not decrypted short.
func TestDecryptRecordingRefusesAStreamCutAtAChunkBoundary(t *testing.T) {
	caller, _ := age.GenerateX25519Identity()
	agent, _ := age.GenerateX25519Identity()
	obj, streams := sealedObject(t, caller, agent, 70000) // chunks of 32768, 32768, 4464 frames
	const chunk = ChunkBytes + 16
	tail := int64(2*(70000-2*32768) + 16) // the caller's last chunk
	cut := streams[0].Size - chunk - tail // header, nonce and the first chunk only
	short := append(bytes.Clone(obj[:cut]), obj[streams[1].Offset:]...)
	streams[0].Size, streams[0].Frames = cut, 32768
	streams[1].Offset = cut
	_, err := DecryptRecording(t.Context(), bytes.NewReader(short), int64(len(short)), streams, Identities(caller, agent), io.Discard)
	if err == nil {
		t.Fatal("a stream cut at a chunk boundary decrypted")
	}
}

func TestSealedTextOpensWithItsKeyOnly(t *testing.T) {
	id, _ := age.GenerateX25519Identity()
	other, _ := age.GenerateX25519Identity()
	sealed, err := SealText("a84b4c76e66710@pc33.example.com", id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OpenText(sealed, id); err != nil || got != "a84b4c76e66710@pc33.example.com" {
		t.Fatalf("OpenText = %q, %v", got, err)
	}
	if _, err := OpenText(sealed, other); err == nil {
		t.Fatal("another key opened the text")
	}
}

func TestPartyKeyNamesAndTheFiltersThatFindThem(t *testing.T) {
	a, b := "aaaa", "bbbb"
	tel := consent.SubjectRef{Type: "tel", Key: b}
	customer := consent.SubjectRef{Type: "customer", Key: a}
	if got := PartyKeyName([]consent.SubjectRef{tel, customer}, "01J", PartyCaller); got != "party.aaaa.bbbb" {
		t.Fatalf("two subjects: %s", got)
	}
	if got := PartyKeyName(nil, "01J", PartyCaller); got != "call.01J.caller" {
		t.Fatalf("no subject: %s", got)
	}
	if got := PartyKeyName([]consent.SubjectRef{{Type: "tel", Key: "not.a.token"}}, "01J", PartyAgent); got != "call.01J.agent" {
		t.Fatalf("a key that is no subject token: %s", got)
	}
	if f := SubjectFilters(b); f[0] != "party.bbbb" || f[1] != "party.bbbb.*" || f[2] != "party.*.bbbb" {
		t.Fatalf("filters %v", f)
	}
	if _, err := (Fixed{}).Current(t.Context(), "x"); !errors.Is(err, ErrNoKey) {
		t.Fatalf("no recipients: %v", err)
	}
}

// Metadata and objects come from outside (an operator's files, a restored bucket):
// whatever they hold, decrypting fails cleanly or writes a WAV of the frames it says.
func FuzzDecryptRecording(f *testing.F) {
	caller, _ := age.GenerateX25519Identity()
	agent, _ := age.GenerateX25519Identity()
	obj, streams := sealedObject(f, caller, agent, 200)
	f.Add(obj, streams[0].Offset, streams[0].Size, streams[1].Offset, streams[1].Size, int64(200))
	f.Add(obj[:len(obj)/2], int64(0), int64(len(obj)), int64(-1), int64(5), int64(1<<40))
	f.Fuzz(func(t *testing.T, obj []byte, off0, size0, off1, size1, frames int64) {
		streams := []consent.SealedStream{
			{Party: PartyCaller, Key: "c", Offset: off0, Size: size0, Frames: frames},
			{Party: PartyAgent, Key: "a", Offset: off1, Size: size1, Frames: frames},
		}
		if frames > 1<<20 {
			return // a WAV too long to write in a fuzz run; WriteWAV bounds it to 4 GiB
		}
		DecryptRecording(t.Context(), bytes.NewReader(obj), int64(len(obj)), streams, Identities(caller, agent), io.Discard)
	})
}

func TestLogNameShortensTheSubjectKeysOnly(t *testing.T) {
	long := strings.Repeat("ab", 32)
	for name, want := range map[string]string{
		"party." + long:                         "party.abababababab…",
		"party." + long + "." + long:            "party.abababababab….abababababab…",
		"call.01JTESTCALL0000000000000A.caller": "call.01JTESTCALL0000000000000A.caller",
	} {
		if got := LogName(name); got != want {
			t.Errorf("LogName(%q) = %q, want %q", name, got, want)
		}
	}
}

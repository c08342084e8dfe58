package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/storage/archive"
)

// waitFile waits until path exists and holds at least size bytes: the event that a
// recording is under way.
func waitFile(t *testing.T, pattern string, size int64, timeout time.Duration) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		matches, _ := filepath.Glob(pattern)
		for _, m := range matches {
			if info, err := os.Stat(m); err == nil && info.Size() >= size {
				return m
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no %s of %d bytes within %v", pattern, size, timeout)
		case <-tick.C:
		}
	}
}

// A gateway killed with SIGKILL in the middle of a recorded call loses nothing that
// reached the disk: the next start repairs the recording's encrypted streams (their whole
// chunks, ended properly) and stores them with their metadata, and the repaired
// recording decrypts, each channel with its party's key, into a valid stereo WAV.
func TestGatewayKilledMidCallStoresTheRepairedRecordingAtRestart(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := startAgent(t, "agent.xml", pcmu, "granted", nil)
	cfg := gatewaytest.Config(t, func(c *config.Config) {
		c.Routes[0].RecordTarget = "sip:agents@" + agent.Addr()
		c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
	})
	gw := gatewaytest.StartProcess(t, cfg)
	sipptest.Start(t, sipptest.Options{
		Scenario: "caller_rfc4733.xml", Remote: gw.Addr(), Timeout: 30 * time.Second,
		Keys: callerKeys(pcmu, "", map[string]string{
			"audio": pcmu.stream("caller-440hz", -1), "digit_delay": "300",
			"dtmf_pcap": sipptest.DTMFPcap("1"), "hold": "20000",
		}),
	})
	// Two whole chunks of each party's stream on disk (8.2 s of the call), then the crash.
	var streams []string
	for _, party := range []string{sealing.PartyCaller, sealing.PartyAgent} {
		streams = append(streams, waitFile(t, filepath.Join(cfg.SpoolDir(), "*."+party+".age"), 2*(sealing.ChunkBytes+16), waitLimit))
	}
	gw.Kill()
	for _, s := range streams {
		if _, err := os.Stat(s); err != nil {
			t.Fatalf("the spooled stream did not survive the crash: %v", err)
		}
	}
	if wavs, _ := filepath.Glob(filepath.Join(cfg.SpoolDir(), "*.wav")); len(wavs) != 0 {
		t.Fatalf("the spool holds audio in clear: %v", wavs)
	}

	gw.Start(t)
	meta := waitFile(t, filepath.Join(cfg.ObjectDir(), "recordings", "*", "*", "*", "*.json"), 1, waitLimit)
	var m archive.Metadata
	body, err := os.ReadFile(meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if !m.Repaired || m.DurationMS < 8000 || m.SHA256 == "" || m.Sealed == nil || len(m.Sealed.Streams) != 2 {
		t.Fatalf("metadata %+v: want a repaired sealed recording of at least 8 s", m)
	}
	assertWAVChannels(t, gw.RecordingWAV(t, m.Recording))
	// The archive stores the WAV and then its metadata, and only then lets go of the
	// spooled copy: the spool empties a moment after the metadata appears.
	waitSpoolEmpty(t, cfg.SpoolDir(), waitLimit)
	// The receipt says so too, not only the metadata (issue 14).
	var r consent.Receipt
	body, err = os.ReadFile(filepath.Join(cfg.ObjectDir(), m.Receipt))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	if r.RecordingStatus != consent.RecordingRepaired || r.RecordingReason != consent.ReasonInterrupted || r.Recording == nil || *r.Recording != m.Recording {
		t.Fatalf("receipt says %s/%s, recording %v: want repaired, interrupted, %s", r.RecordingStatus, r.RecordingReason, r.Recording, m.Recording)
	}
}

// waitSpoolEmpty waits until nothing is left in the spool directory.
func waitSpoolEmpty(t *testing.T, dir string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		entries, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(entries) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool still holds %v after %v", entries, timeout)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not a synchronisation
	}
}

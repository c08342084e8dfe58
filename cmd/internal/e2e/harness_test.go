package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/audiotest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
)

const (
	callerNumber = "+4512345678"
	calledNumber = "+4587654321"
	callerTone   = 440.0
	agentTone    = 1000.0
	waitLimit    = 60 * time.Second
)

// law is one G.711 flavour as the SIPp scenarios take it.
type law struct {
	pt    string
	codec string
	ext   string
}

var (
	pcmu = law{pt: "0", codec: "PCMU", ext: "ulaw"}
	pcma = law{pt: "8", codec: "PCMA", ext: "alaw"}
)

func (l law) stream(file string, loops int) string {
	pt := 0
	if l.pt == "8" {
		pt = 8
	}
	return sipptest.RTPStream(sipptest.AudioPath(file+"."+l.ext), loops, pt)
}

// startAgent runs a SIPp agent (UAS) that checks the X-Recording-Consent header against
// want and answers with the agent's 1000 Hz tone.
func startAgent(t *testing.T, scenario string, l law, want string, extra map[string]string) *sipptest.Process {
	t.Helper()
	keys := map[string]string{"consent": want, "pt": l.pt, "codec": l.codec, "audio": l.stream("agent-1000hz", -1)}
	for k, v := range extra {
		keys[k] = v
	}
	agent := sipptest.Start(t, sipptest.Options{Scenario: scenario, Keys: keys, Timeout: waitLimit})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := agent.Ready(ctx); err != nil {
		t.Fatalf("agent not ready: %v", err)
	}
	return agent
}

// startGateway runs the gateway with its default route pointing at the agent.
func startGateway(t *testing.T, agent *sipptest.Process) *gatewaytest.Gateway {
	t.Helper()
	return gatewaytest.Start(t, func(c *config.Config) {
		c.Routes[0].RecordTarget = "sip:agents@" + agent.Addr()
		c.Routes[0].NorecordTarget = "sip:agents@" + agent.Addr()
		c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
	})
}

// callerKeys are the keys every caller scenario takes.
func callerKeys(l law, audio string, extra map[string]string) map[string]string {
	keys := map[string]string{"caller": callerNumber, "callee": calledNumber, "pt": l.pt, "codec": l.codec, "audio": audio}
	for k, v := range extra {
		keys[k] = v
	}
	return keys
}

func mustSucceed(t *testing.T, who string, p *sipptest.Process) {
	t.Helper()
	if res := p.Wait(); res.ExitCode != 0 {
		t.Fatalf("%s failed: %s", who, res)
	}
}

func onlyReceipt(t *testing.T, gw *gatewaytest.Gateway) consent.Receipt {
	t.Helper()
	receipts := gw.Receipts(t)
	if len(receipts) != 1 {
		t.Fatalf("%d receipts stored, want 1", len(receipts))
	}
	return receipts[0]
}

// waitCallStored waits until the gateway is idle and has stored the call (its recording
// when recorded, else its receipt), and returns the call's receipt.
func waitCallStored(t *testing.T, gw *gatewaytest.Gateway, recorded bool) consent.Receipt {
	t.Helper()
	gw.WaitIdle(t, waitLimit)
	if recorded {
		gw.WaitArchived(t, "recording", 1, waitLimit)
	} else {
		gw.WaitArchived(t, "receipt", 1, waitLimit)
	}
	return onlyReceipt(t, gw)
}

// assertRecordedOnlyWhenGranted checks what a call left: a recorded call's receipt names
// its recording, caller on the left and agent on the right; any other left no audio.
func assertRecordedOnlyWhenGranted(t *testing.T, gw *gatewaytest.Gateway, r consent.Receipt, recorded bool) {
	t.Helper()
	if !recorded {
		if r.Recording != nil {
			t.Errorf("receipt of a %s call names recording %s", r.Decision, *r.Recording)
		}
		assertNoAudioWritten(t, gw)
		return
	}
	if r.Recording == nil {
		t.Fatal("granted call's receipt names no recording")
	}
	assertRecordingChannels(t, gw, *r.Recording)
}

// assertRecordingChannels checks the stored WAV by what it sounds like: the caller's
// 440 Hz on the left, the agent's 1000 Hz on the right.
func assertRecordingChannels(t *testing.T, gw *gatewaytest.Gateway, key string) {
	t.Helper()
	assertWAVChannels(t, gw.RecordingWAV(t, key))
}

// assertWAVChannels checks a stereo WAV file as assertRecordingChannels does.
func assertWAVChannels(t *testing.T, path string) {
	t.Helper()
	channels, rate, err := audiotest.ReadWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	if rate != 8000 || len(channels) != 2 {
		t.Fatalf("recording is %d Hz with %d channels, want 8000 Hz stereo", rate, len(channels))
	}
	if len(channels[0]) < 8000 {
		t.Fatalf("recording holds %d samples, want at least a second", len(channels[0]))
	}
	for i, want := range []float64{callerTone, agentTone} {
		got, ratio := audiotest.DominantTone(channels[i], rate, callerTone, agentTone)
		if got != want || ratio < 10 {
			t.Errorf("channel %d: dominant tone %v Hz (ratio %.1f), want %v Hz", i, got, ratio, want)
		}
	}
}

// assertNoAudioWritten checks that a call without consent left no audio anywhere:
// no recording object, nothing in the spool.
func assertNoAudioWritten(t *testing.T, gw *gatewaytest.Gateway) {
	t.Helper()
	if keys := gw.Keys(t, "recordings/"); len(keys) != 0 {
		t.Errorf("recordings stored without consent: %v", keys)
	}
	spool, err := os.ReadDir(gw.Config.SpoolDir())
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if len(spool) != 0 {
		t.Errorf("spool holds %d files without consent", len(spool))
	}
}

// assertNoRawNumber checks that neither the caller's nor the called number appears in
// any object key, stored object or log line.
func assertNoRawNumber(t *testing.T, gw *gatewaytest.Gateway) {
	t.Helper()
	for _, number := range []string{callerNumber, calledNumber, strings.TrimPrefix(callerNumber, "+")} {
		if strings.Contains(gw.Logs(), number) {
			t.Errorf("a log line holds the raw number %s", number)
		}
		for _, key := range gw.Keys(t, "") {
			if strings.Contains(key, number) {
				t.Errorf("object key %s holds the raw number", key)
			}
			if filepath.Ext(key) == ".json" {
				var doc json.RawMessage
				gw.ReadJSON(t, key, &doc)
				if strings.Contains(string(doc), number) {
					t.Errorf("object %s holds the raw number %s", key, number)
				}
			}
		}
	}
}

func subjectTypes(r consent.Receipt) map[string]bool {
	types := map[string]bool{}
	for _, s := range r.Subjects {
		types[s.Type] = true
	}
	return types
}

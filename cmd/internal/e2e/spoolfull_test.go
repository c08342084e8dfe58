package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/jetstreamtest"
	"github.com/consentgw/consentgw/consent/sealing"
	"github.com/consentgw/consentgw/recorder/spool"
	"github.com/consentgw/consentgw/storage/archive/spooltest"
)

// The spool of these tests is a tmpfs of spoolSize mounted on <data_dir>/spool, with a
// call's worth (storage.spool_reserve_mb) of 1 MiB: about half a minute of audio.
const spoolSize = 4 << 20

// startGatewayOnSmallSpool runs a gateway whose spool is a fresh small tmpfs.
func startGatewayOnSmallSpool(t *testing.T, agent *sipptest.Process, adjust func(*config.Config)) *gatewaytest.Gateway {
	t.Helper()
	return gatewaytest.Start(t, func(c *config.Config) {
		routeTo(agent)(c)
		c.Storage.SpoolReserveMB = 1
		spooltest.MountAt(t, c.SpoolDir(), spoolSize)
		if adjust != nil {
			adjust(c)
		}
	})
}

// assertNoAudioBesideTheFiller is assertNoAudioWritten for a spool a test has filled:
// its filler is no audio.
func assertNoAudioBesideTheFiller(t *testing.T, gw *gatewaytest.Gateway) {
	t.Helper()
	if keys := gw.Keys(t, "recordings/"); len(keys) != 0 {
		t.Errorf("recordings stored: %v", keys)
	}
	entries, err := os.ReadDir(gw.Config.SpoolDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != spooltest.FillerName {
			t.Errorf("spool holds %s", e.Name())
		}
	}
}

// readyz is the gateway's /readyz status and body.
func readyz(t *testing.T, gw *gatewaytest.Gateway) (int, string) {
	t.Helper()
	res, err := http.Get("http://" + gw.HTTPAddr() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func metric(t *testing.T, gw *gatewaytest.Gateway, series string) float64 {
	t.Helper()
	return gatewaytest.MetricValue(gw.Metrics(t), series)
}

// A spool that cannot take a call's worth more fails /readyz and refuses new calls with
// 503 and Retry-After, before they are answered: nothing is promised, nothing written. An
// error line and the metrics say why; when space returns the gateway is ready again.
func TestFullSpoolRefusesNewCallsAndFailsReadiness(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := startAgent(t, "agent.xml", pcmu, "granted", nil)
	gw := startGatewayOnSmallSpool(t, agent, nil)
	if code, body := readyz(t, gw); code != http.StatusOK {
		t.Fatalf("/readyz %d %q on an empty spool", code, body)
	}
	filler := spooltest.Fill(t, gw.Config.SpoolDir(), 512<<10)
	waitUntil(t, "/readyz to fail", waitLimit, func() bool { code, _ := readyz(t, gw); return code == http.StatusServiceUnavailable })
	if _, body := readyz(t, gw); !strings.Contains(body, "spool") {
		t.Errorf("/readyz says %q, want the spool named", body)
	}
	if !strings.Contains(gw.Logs(), "level=ERROR msg=\"spool full") {
		t.Error("no error line says the spool is full")
	}
	if v := metric(t, gw, "consentgw_spool_full"); v != 1 {
		t.Errorf("consentgw_spool_full = %v, want 1", v)
	}

	caller := sipptest.Start(t, sipptest.Options{
		Scenario: "caller_unavailable.xml", Remote: gw.Addr(), Timeout: callLimit,
		Keys: map[string]string{"caller": callerNumber, "callee": calledNumber},
	})
	mustSucceed(t, "caller", caller)
	if v := metric(t, gw, `consentgw_sip_rejected_total{reason="spool_full"}`); v != 1 {
		t.Errorf(`consentgw_sip_rejected_total{reason="spool_full"} = %v, want 1`, v)
	}
	if keys := gw.Keys(t, ""); len(keys) != 0 {
		t.Errorf("a refused call stored %v", keys)
	}
	assertNoAudioBesideTheFiller(t, gw)

	filler.Release(t)
	waitUntil(t, "/readyz to pass again", waitLimit, func() bool { code, _ := readyz(t, gw); return code == http.StatusOK })
	if v := metric(t, gw, "consentgw_spool_full"); v != 0 {
		t.Errorf("consentgw_spool_full = %v after space returned, want 0", v)
	}
}

// With storage.spool_full: unrecorded a full spool still takes calls, and nothing of
// their audio: a consenting caller's receipt says failed, spool_full (with an event), and
// a declining caller's receipt claims nothing about a recording.
func TestFullSpoolTakesCallsUnrecordedWhenConfigured(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := agentFor(t, 1)
	gw := startGatewayOnSmallSpool(t, agent, func(c *config.Config) { c.Storage.SpoolFull = config.SpoolFullUnrecorded })
	spooltest.Fill(t, gw.Config.SpoolDir(), 512<<10)
	waitUntil(t, "the spool to be full", waitLimit, func() bool { return metric(t, gw, "consentgw_spool_full") == 1 })

	caller := placeGrantedCall(t, gw.Addr(), callerNumber, 1500)
	mustSucceed(t, "caller", caller)
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "receipt", 2, waitLimit) // at the decision, then saying what became of it

	r := onlyReceipt(t, gw)
	if r.Decision != consent.DecisionGranted || r.RecordingStatus != consent.RecordingFailed || r.RecordingReason != consent.ReasonSpoolFull || r.Recording != nil {
		t.Fatalf("receipt %s, %s/%s, recording %v: want granted, failed/spool_full, none", r.Decision, r.RecordingStatus, r.RecordingReason, r.Recording)
	}
	assertNoAudioBesideTheFiller(t, gw)
	if v := metric(t, gw, `consentgw_recordings_failed_total{reason="spool_full"}`); v != 1 {
		t.Errorf(`consentgw_recordings_failed_total{reason="spool_full"} = %v, want 1`, v)
	}
	_, js := jetstreamtest.Connect(t, gw.NATSURL())
	var ev spool.FailedEvent
	if err := json.Unmarshal(nextAuditEvent(t, js, audit.KindRecordingFailed, waitLimit).Data, &ev); err != nil ||
		ev.ID != r.ID || ev.RecordingStatus != consent.RecordingFailed || ev.RecordingReason != consent.ReasonSpoolFull {
		t.Fatalf("recording.failed %+v (%v)", ev, err)
	}
}

// The spool's disk fills during a consenting call (SIPp caller and agent, 8 s): the
// recording stops growing, a recording.failed event says so at once, /readyz fails, and
// the call goes on to its end. What reached the disk is kept; the job that would store it
// waits in memory while the disk takes nothing. Once space returns the partial recording
// is stored (the caller left, the agent right, as always), and the receipt says partial,
// no_space.
func TestSpoolFillingDuringACallStoresThePartialRecordingOnceSpaceReturns(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := agentFor(t, 1)
	gw := startGatewayOnSmallSpool(t, agent, nil)
	caller := placeGrantedCall(t, gw.Addr(), callerNumber, 8000)
	// A chunk of the call's encrypted streams (4.1 s) on the spool's disk, then it is full.
	waitFile(t, filepath.Join(gw.Config.SpoolDir(), "*.agent.age"), sealing.ChunkBytes+16, waitLimit)
	filler := spooltest.Fill(t, gw.Config.SpoolDir(), 0)

	_, js := jetstreamtest.Connect(t, gw.NATSURL())
	var ev spool.FailedEvent
	if err := json.Unmarshal(nextAuditEvent(t, js, audit.KindRecordingFailed, waitLimit).Data, &ev); err != nil ||
		ev.RecordingStatus != consent.RecordingPartial || ev.RecordingReason != consent.ReasonNoSpace || len(ev.Subjects) == 0 {
		t.Fatalf("recording.failed %+v (%v): want partial, no_space", ev, err)
	}
	waitUntil(t, "/readyz to fail", waitLimit, func() bool { code, _ := readyz(t, gw); return code == http.StatusServiceUnavailable })
	mustSucceed(t, "caller", caller)
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	// The encrypted streams' repair (a rewrite) waits for the disk too.
	if !strings.Contains(gw.Logs(), "cannot be repaired while the spool's disk is full") {
		t.Fatal("no log line says the failed recording waits for space")
	}
	if keys := gw.Keys(t, "recordings/"); len(keys) != 0 {
		t.Fatalf("recording stored while the spool's disk was full: %v", keys)
	}

	filler.Release(t)
	gw.WaitArchived(t, "recording", 1, waitLimit)
	r := onlyReceipt(t, gw)
	if r.ID != ev.ID || r.RecordingStatus != consent.RecordingPartial || r.RecordingReason != consent.ReasonNoSpace || r.Recording == nil {
		t.Fatalf("receipt %s/%s, recording %v: want partial, no_space and the recording", r.RecordingStatus, r.RecordingReason, r.Recording)
	}
	assertRecordingChannels(t, gw, *r.Recording)
	if v := metric(t, gw, `consentgw_recordings_failed_total{reason="no_space"}`); v != 1 {
		t.Errorf(`consentgw_recordings_failed_total{reason="no_space"} = %v, want 1`, v)
	}
	waitUntil(t, "the spool to empty", waitLimit, func() bool {
		left, _ := filepath.Glob(filepath.Join(gw.Config.SpoolDir(), "*"))
		return len(left) == 0
	})
}

package e2e

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage/s3/miniotest"
)

// waitUntil polls cond (an observable state, not a clock) until it holds or timeout.
func waitUntil(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("%s: not within %v", what, timeout)
		case <-tick.C:
		}
	}
}

// A call recorded while MinIO is down goes on as usual; its receipt and recording wait in
// the spool and reach the bucket once MinIO is back.
func TestRecordingReachesMinIOAfterAnOutageDuringTheCall(t *testing.T) {
	sipptest.RequireSIPp(t)
	minio := miniotest.Start(t)
	agent := startAgent(t, "agent.xml", pcma, "granted", nil)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		c.Routes[0].RecordTarget = "sip:agents@" + agent.Addr()
		c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
		c.Storage.S3 = config.S3{Endpoint: minio.Endpoint, Bucket: "e2e-recordings", AccessKey: minio.AccessKey, SecretKey: minio.SecretKey}
	})
	ctx := context.Background()
	waitUntil(t, "gateway connected to MinIO", waitLimit, func() bool { return gw.Store().Ping(ctx) == nil })

	minio.Stop()
	caller := sipptest.Start(t, sipptest.Options{
		Scenario: "caller_rfc4733.xml", Remote: gw.Addr(), Timeout: waitLimit,
		Keys: callerKeys(pcma, "", map[string]string{
			"audio": pcma.stream("caller-440hz", -1), "digit_delay": "300",
			"dtmf_pcap": sipptest.DTMFPcap("1"), "hold": "2000",
		}),
	})
	mustSucceed(t, "caller", caller)
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	waitUntil(t, "a failed upload while MinIO is down", waitLimit, func() bool { return gw.ArchiveErrors() > 0 })
	if n, _ := filepath.Glob(filepath.Join(gw.Config.SpoolDir(), "*.age")); len(n) != 2 {
		t.Fatalf("spool holds %v, want the call's two encrypted streams while MinIO is down", n)
	}

	minio.Restart(t)
	gw.WaitArchived(t, "recording", 1, 2*time.Minute)
	r := onlyReceipt(t, gw)
	if r.Decision != consent.DecisionGranted || r.Recording == nil {
		t.Fatalf("receipt %+v", r)
	}
	assertWAVChannels(t, gw.RecordingWAV(t, *r.Recording))
	if n, _ := filepath.Glob(filepath.Join(gw.Config.SpoolDir(), "*")); len(n) != 0 {
		t.Fatalf("spool still holds %v after upload", n)
	}
	assertNoRawNumber(t, gw)
}

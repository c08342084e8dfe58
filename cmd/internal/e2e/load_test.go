package e2e

import (
	"context"
	"flag"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/sip/testports"
)

// The smoke test's size. CI runs the defaults; to profile the in-process gateway under
// a longer load, raise them and add -cpuprofile, e.g.
//
//	go test -run TestLoadSmoke -smoke.calls 100 -smoke.hold 20s -cpuprofile cpu.out ./cmd/internal/e2e
//
// and -smoke.encryption off to profile it without encryption at rest.
var (
	smokeCallsFlag      = flag.Int("smoke.calls", 10, "TestLoadSmoke: callers of each kind (consenting, declining)")
	smokeHoldFlag       = flag.Duration("smoke.hold", 1500*time.Millisecond, "TestLoadSmoke: how long each caller stays after its digit")
	smokeEncryptionFlag = flag.String("smoke.encryption", config.EncryptionKeys, "TestLoadSmoke: encryption.mode (keys or off)")
)

// The load smoke test: the shape of testdata/load/run.sh (consenting and declining
// callers at once, RFC 4733 digits, 20 ms RTP both ways, one SIPp agent per target),
// small enough for CI. It asserts correctness only, never speed: no failed call, every
// receipt's decision is the digit its caller pressed, and every granted call left a
// valid recording while no declined call left audio.
func TestLoadSmokeConsentingAndDecliningCallersAtOnce(t *testing.T) {
	sipptest.RequireSIPp(t)
	smokeCalls := *smokeCallsFlag
	recordAgent := smokeAgent(t, "granted", smokeCalls)
	norecordAgent := smokeAgent(t, "declined", smokeCalls)
	// Two legs of an RTP/RTCP pair each for every caller of both kinds: a range of the
	// test's own, which -smoke.calls scales (the harness's default holds 32 calls).
	mediaPorts := 8 * smokeCalls
	mediaMin := testports.Block(t, testports.UDP, mediaPorts)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		c.Media.PortMin, c.Media.PortMax = mediaMin, mediaMin+mediaPorts-1
		c.Routes[0].RecordTarget = "sip:agents@" + recordAgent.Addr()
		c.Routes[0].NorecordTarget = "sip:agents@" + norecordAgent.Addr()
		c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
		c.Encryption.Mode = *smokeEncryptionFlag
	})

	consenting := smokeCaller(t, gw.Addr(), "1", smokeCalls)
	declining := smokeCaller(t, gw.Addr(), "2", smokeCalls)
	mustSucceed(t, "consenting callers", consenting)
	mustSucceed(t, "declining callers", declining)
	mustSucceed(t, "recording agent", recordAgent)
	mustSucceed(t, "non-recording agent", norecordAgent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", smokeCalls, waitLimit)

	decisions := map[consent.Decision]int{}
	for _, r := range gw.Receipts(t) {
		decisions[r.Decision]++
		want := map[consent.Decision]string{consent.DecisionGranted: "1", consent.DecisionDeclined: "2"}[r.Decision]
		if r.Method != consent.MethodRFC4733 || r.Digit != want {
			t.Errorf("receipt %s: %s by %s with %q, want digit %q by rfc4733", r.ID, r.Decision, r.Method, r.Digit, want)
		}
		if r.Decision == consent.DecisionDeclined && r.Recording != nil {
			t.Errorf("declined receipt %s names recording %s", r.ID, *r.Recording)
		}
	}
	if decisions[consent.DecisionGranted] != smokeCalls || decisions[consent.DecisionDeclined] != smokeCalls {
		t.Errorf("decisions %v, want %d granted and %d declined", decisions, smokeCalls, smokeCalls)
	}

	var wavs int
	for _, key := range gw.Keys(t, "recordings/") {
		if strings.HasSuffix(key, ".sealed") || strings.HasSuffix(key, ".wav") {
			wavs++
			assertRecordingChannels(t, gw, key)
		}
	}
	if wavs != smokeCalls {
		t.Errorf("%d recordings stored, want %d (one per consenting caller)", wavs, smokeCalls)
	}
}

// smokeAgent answers calls calls that must carry X-Recording-Consent: want.
func smokeAgent(t *testing.T, want string, calls int) *sipptest.Process {
	t.Helper()
	agent := sipptest.Start(t, sipptest.Options{Scenario: "agent.xml", Calls: calls, Timeout: smokeTimeout(calls),
		Keys: map[string]string{"consent": want, "pt": pcmu.pt, "codec": pcmu.codec, "audio": pcmu.stream("agent-1000hz", -1)}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := agent.Ready(ctx); err != nil {
		t.Fatalf("agent not ready: %v", err)
	}
	return agent
}

// smokeCaller places calls calls, five a second and all of them at once at the peak,
// each pressing digit 300 ms after the answer and holding -smoke.hold (1.5 s: a
// granted recording then holds more than the second assertRecordingChannels wants).
func smokeCaller(t *testing.T, gwAddr, digit string, calls int) *sipptest.Process {
	t.Helper()
	return sipptest.Start(t, sipptest.Options{
		Scenario: "caller_rfc4733.xml", Remote: gwAddr, Timeout: smokeTimeout(calls),
		Calls: calls, Rate: 5, Limit: calls,
		Keys: callerKeys(pcmu, pcmu.stream("caller-440hz", -1), map[string]string{
			"digit_delay": "300", "dtmf_pcap": sipptest.DTMFPcap(digit),
			"hold": strconv.FormatInt(smokeHoldFlag.Milliseconds(), 10),
		}),
	})
}

// smokeTimeout bounds a SIPp run of the smoke test: the ramp at five calls a second,
// one call, and the usual slack.
func smokeTimeout(calls int) time.Duration {
	return time.Duration(calls)*time.Second/5 + *smokeHoldFlag + 2*waitLimit
}

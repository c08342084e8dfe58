package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/consentgw/consentgw/cmd/internal/audiotest"
	"github.com/consentgw/consentgw/cmd/internal/config"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/sipptest"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/callctl"
	"github.com/consentgw/consentgw/consent/jetstreamtest"
	"github.com/consentgw/consentgw/ivr/split"
)

// withShortPrompts gives the test gateway's default language (en) the short notice and
// withdrawn prompts, so calls spend their time in the bridge.
func withShortPrompts(c *config.Config) {
	c.Consent.Prompts = append(c.Consent.Prompts, config.PromptSet{
		Language: "en", Notice: sipptest.AudioPath("notice-short.wav"), Withdrawn: sipptest.AudioPath("withdrawn-short.wav"),
	})
}

// waitReceipt polls the store until the call's receipt satisfies ok: a withdrawn
// receipt replaces the granted one, so a count of stored receipts cannot tell.
func waitReceipt(t *testing.T, gw *gatewaytest.Gateway, ok func(consent.Receipt) bool) consent.Receipt {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for tick := time.NewTicker(20 * time.Millisecond); time.Now().Before(deadline); <-tick.C {
		if receipts := gw.Receipts(t); len(receipts) == 1 && ok(receipts[0]) {
			tick.Stop()
			return receipts[0]
		}
	}
	t.Fatalf("no receipt as expected within %v: %+v", waitLimit, gw.Receipts(t))
	return consent.Receipt{}
}

// Consent given by a key is taken back by keys during the call, by RFC 4733 events
// passing through the relay or by SIP INFO: the recording so far is gone, the receipt
// says withdrawn, the audit trail has consent.withdrawn, and the caller heard why.
func TestCallerWithdrawsConsentDuringTheCall(t *testing.T) {
	sipptest.RequireSIPp(t)
	cases := []struct {
		name, scenario, withdraw string
		keys                     map[string]string
		via                      string
	}{
		{
			name: "by RFC 4733", scenario: "caller_rfc4733_withdraw.xml", withdraw: "*#", via: "rfc4733",
			// The sip-tester pcaps have fixed timestamps: star's is below pound's.
			keys: map[string]string{"dtmf_pcap": sipptest.DTMFPcap("1"), "withdraw_pcap1": sipptest.DTMFPcap("*"), "withdraw_pcap2": sipptest.DTMFPcap("#")},
		},
		{
			name: "by SIP INFO", scenario: "caller_info_withdraw.xml", withdraw: "*9", via: "sip-info",
			keys: map[string]string{"digit": "1", "withdraw1": "*", "withdraw2": "9"},
		},
		{
			// 1 at 1 s (during the prompt), then *9 as tones at 4.25 s, in an SDP
			// without telephone-event.
			name: "by in-band tones", scenario: "caller_inband.xml", withdraw: "*9", via: "inband",
			keys: map[string]string{"audio": pcmu.stream("caller-dtmf1-withdraw-440hz", 1), "hold": "9000"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			agent := startAgent(t, "agent.xml", pcmu, "granted", nil)
			gw := gatewaytest.Start(t, func(c *config.Config) {
				routeTo(agent)(c)
				c.Consent.WithdrawDigits = tc.withdraw
				withShortPrompts(c)
			})
			_, js := jetstreamtest.Connect(t, gw.NATSURL())
			keys := map[string]string{"audio": pcmu.stream("caller-440hz", -1), "digit_delay": "300", "withdraw_delay": "2500", "hold": "2500"}
			for k, v := range tc.keys {
				keys[k] = v
			}
			caller := sipptest.Start(t, sipptest.Options{Scenario: tc.scenario, Remote: gw.Addr(), Timeout: waitLimit, Keys: callerKeys(pcmu, "", keys)})
			ev := nextAuditEvent(t, js, audit.KindConsentWithdrawn, waitLimit)
			mustSucceed(t, "caller", caller)
			mustSucceed(t, "agent", agent)
			gw.WaitIdle(t, waitLimit)

			r := waitReceipt(t, gw, func(r consent.Receipt) bool { return r.Decision == consent.DecisionWithdrawn })
			if r.WithdrawnVia != tc.via || r.WithdrawnAt.Before(r.DecidedAt) || r.Recording != nil {
				t.Errorf("receipt withdrawn via %q at %v (decided %v), recording %v", r.WithdrawnVia, r.WithdrawnAt, r.DecidedAt, r.Recording)
			}
			if r.Digit != "1" || r.Mode != consent.ModeOptIn {
				t.Errorf("receipt no longer says how consent was given: digit %q mode %q", r.Digit, r.Mode)
			}
			var withdrawn consent.Receipt
			if err := json.Unmarshal(ev.Data, &withdrawn); err != nil || withdrawn.ID != r.ID {
				t.Errorf("consent.withdrawn event %s: %v", ev.Data, err)
			}
			assertNoAudioWritten(t, gw)
			if !strings.Contains(gw.Logs(), "withdrawal confirmed to the caller") {
				t.Error("the caller was not played the withdrawal confirmation")
			}
			assertNoRawNumber(t, gw)
		})
	}
}

// control sends a call-control command, retrying while no node answers (the call is
// not bridged yet), and returns the reply.
func control(t *testing.T, nc *nats.Conn, id string, verb consent.Verb) callctl.Reply {
	t.Helper()
	for range 100 {
		msg, err := nc.Request(callctl.Subject(id, verb), nil, 500*time.Millisecond)
		if err != nil {
			continue // nobody holds the call yet
		}
		var r callctl.Reply
		if err := json.Unmarshal(msg.Data, &r); err != nil {
			t.Fatalf("%s reply %s: %v", verb, msg.Data, err)
		}
		return r
	}
	t.Fatalf("no node answered %s for %s", verb, id)
	return callctl.Reply{}
}

// A payment IVR pauses the recording over NATS: the recording keeps its timeline with
// silence on both channels for as long as the pause lasted, once ended by resume and
// once by consent.pause_max, each with its audit event.
func TestPauseLeavesASilentGapOfItsLength(t *testing.T) {
	sipptest.RequireSIPp(t)
	const pauseMax = 1500 * time.Millisecond
	agent := startAgent(t, "agent.xml", pcmu, "granted", nil)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		routeTo(agent)(c)
		c.Consent.PauseMax = config.Duration(pauseMax)
	})
	nc, js := jetstreamtest.Connect(t, gw.NATSURL())
	caller := placeGrantedCall(t, gw.Addr(), callerNumber, 9000)
	captured := nextAuditEvent(t, js, audit.KindConsentCaptured, waitLimit)
	var r consent.Receipt
	if err := json.Unmarshal(captured.Data, &r); err != nil {
		t.Fatal(err)
	}

	// First pause: ended by the gateway at pause_max.
	if rep := control(t, nc, r.ID, consent.VerbPause); rep.Status != "ok" {
		t.Fatalf("pause: %+v", rep)
	}
	resumed := nextAuditEvent(t, js, audit.KindRecordingResumed, waitLimit)
	var auto split.PauseEvent
	if err := json.Unmarshal(resumed.Data, &auto); err != nil || auto.Reason != "timeout" || auto.ID != r.ID {
		t.Fatalf("recording.resumed %s: %v", resumed.Data, err)
	}
	// Second pause: ended by a resume command, after half a second of recorded audio.
	// The waits are stimuli (the audio between the gaps, the gap itself), not
	// synchronisation.
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	if rep := control(t, nc, r.ID, consent.VerbPause); rep.Status != "ok" {
		t.Fatalf("second pause: %+v", rep)
	}
	time.Sleep(800 * time.Millisecond)
	if rep := control(t, nc, r.ID, consent.VerbResume); rep.Status != "ok" {
		t.Fatalf("resume: %+v", rep)
	}
	manual := time.Since(start)

	mustSucceed(t, "caller", caller)
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "recording", 1, waitLimit)
	rec := onlyReceipt(t, gw)
	if rec.Recording == nil {
		t.Fatal("paused call has no recording")
	}
	metrics := scrape(t, gw)
	for series, want := range map[string]float64{`consentgw_call_control_total{action="paused"}`: 2, `consentgw_call_control_total{action="resumed"}`: 1, `consentgw_call_control_total{action="auto_resumed"}`: 1} {
		if got := gatewaytest.MetricValue(metrics, series); got != want {
			t.Errorf("/metrics: %s %v, want %v", series, got, want)
		}
	}
	gaps := silentGaps(t, gw.RecordingWAV(t, *rec.Recording), 300*time.Millisecond)
	if len(gaps) != 2 {
		t.Fatalf("recording has silent gaps %v, want two", gaps)
	}
	// Each gap is the pause, give or take the jitter window and packet timing.
	const slack = 250 * time.Millisecond
	if d := gaps[0] - pauseMax; d < -slack || d > slack {
		t.Errorf("gap ended by pause_max lasts %v, want %v", gaps[0], pauseMax)
	}
	if d := gaps[1] - manual; d < -slack-100*time.Millisecond || d > slack {
		t.Errorf("gap ended by resume lasts %v, want about %v", gaps[1], manual)
	}
	assertNoRawNumber(t, gw)
}

// silentGaps returns the runs of silence on both channels longer than min, in order.
func silentGaps(t *testing.T, path string, minGap time.Duration) []time.Duration {
	t.Helper()
	channels, rate := readStereo(t, path)
	var gaps []time.Duration
	run := 0
	flush := func() {
		if d := time.Duration(run) * time.Second / time.Duration(rate); d >= minGap {
			gaps = append(gaps, d)
		}
		run = 0
	}
	for i := range channels[0] {
		if channels[0][i] == 0 && channels[1][i] == 0 {
			run++
			continue
		}
		flush()
	}
	flush()
	return gaps
}

// Routes decide the mode by the caller's number: a US caller on a notice rule hears the
// announcement and is recorded without being asked; a Danish caller is asked, in Danish.
func TestModeAndLanguageChosenByCallerNumber(t *testing.T) {
	sipptest.RequireSIPp(t)
	const usCaller = "+12025550123"
	noticeAgent := startAgent(t, "agent.xml", pcmu, "notice", nil)
	optInAgent := startAgent(t, "agent.xml", pcmu, "declined", nil)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		c.Routes[0].RecordTarget = "sip:agents@" + noticeAgent.Addr()
		c.Routes[0].NorecordTarget = "sip:agents@" + optInAgent.Addr()
		c.Routes[0].AnswerTimeout = config.Duration(10 * time.Second)
		c.Routes[0].Language = "auto"
		c.Routes[0].Policy = []config.PolicyRule{{Name: "one-party", Countries: []string{"US", "CA"}, Mode: "notice"}}
		c.Consent.PolicyVersion = "test-7"
		withShortPrompts(c)
		c.Consent.Prompts = append(c.Consent.Prompts, config.PromptSet{
			Language: "da", Consent: sipptest.AudioPath("prompt-short-da.wav"), Countries: []string{"DK"},
		})
	})

	// The US caller says nothing: notice mode records anyway.
	keys := callerKeys(pcmu, "", map[string]string{"audio": pcmu.stream("caller-440hz", -1), "hold": "4000"})
	keys["caller"] = usCaller
	us := sipptest.Start(t, sipptest.Options{Scenario: "caller_silent.xml", Remote: gw.Addr(), Timeout: waitLimit, Keys: keys})
	mustSucceed(t, "US caller", us)
	mustSucceed(t, "notice agent", noticeAgent)
	gw.WaitArchived(t, "recording", 1, waitLimit)
	notice := onlyReceipt(t, gw)
	if notice.Decision != consent.DecisionNotified || notice.Mode != consent.ModeNotice || notice.Method != consent.MethodNone {
		t.Errorf("US receipt %s/%s by %s, want notified/notice", notice.Decision, notice.Mode, notice.Method)
	}
	if notice.Policy != (consent.PolicyInfo{Version: "test-7", Rule: "one-party", Region: "US"}) {
		t.Errorf("US receipt policy %+v", notice.Policy)
	}
	if notice.Prompt.ID != "file:notice-short.wav" || notice.Prompt.Language != "en" || notice.Prompt.PlayedMS <= 0 {
		t.Errorf("US receipt prompt %+v, want the notice", notice.Prompt)
	}
	if notice.Recording == nil {
		t.Fatal("notice-mode call has no recording")
	}
	assertRecordingChannels(t, gw, *notice.Recording)

	// The Danish caller declines: opt-in, asked in Danish.
	dk := sipptest.Start(t, sipptest.Options{Scenario: "caller_rfc4733.xml", Remote: gw.Addr(), Timeout: waitLimit,
		Keys: callerKeys(pcmu, "", map[string]string{"audio": pcmu.stream("caller-440hz", -1), "digit_delay": "300", "dtmf_pcap": sipptest.DTMFPcap("2"), "hold": "1500"})})
	mustSucceed(t, "Danish caller", dk)
	mustSucceed(t, "opt-in agent", optInAgent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "receipt", 1, waitLimit)
	var optIn consent.Receipt
	for _, r := range gw.Receipts(t) {
		if r.ID != notice.ID {
			optIn = r
		}
	}
	if optIn.Decision != consent.DecisionDeclined || optIn.Mode != consent.ModeOptIn || optIn.Recording != nil {
		t.Errorf("Danish receipt %s/%s recording %v, want declined/opt-in", optIn.Decision, optIn.Mode, optIn.Recording)
	}
	if optIn.Policy != (consent.PolicyInfo{Version: "test-7", Region: "DK"}) {
		t.Errorf("Danish receipt policy %+v", optIn.Policy)
	}
	if optIn.Prompt.ID != "file:prompt-short-da.wav" || optIn.Prompt.Language != "da" || optIn.Prompt.SHA256 != fileSHA256(t, sipptest.AudioPath("prompt-short-da.wav")) {
		t.Errorf("Danish receipt prompt %+v, want the Danish prompt and its sha256", optIn.Prompt)
	}
	if keys := gw.Keys(t, "recordings/"); len(keys) != 2 { // the US call's WAV and metadata only
		t.Errorf("recordings %v, want only the notice-mode call's", keys)
	}
}

func readStereo(t *testing.T, path string) ([][]int16, int) {
	t.Helper()
	channels, rate, err := audiotest.ReadWAV(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(channels) != 2 || rate == 0 {
		t.Fatalf("%s: %d channels at %d Hz, want stereo", path, len(channels), rate)
	}
	return channels, rate
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// An agent desktop withdraws the caller's consent over NATS: only the node holding the
// call answers, the recording is gone, and later commands on the call say why not.
func TestWithdrawOverNATS(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := startAgent(t, "agent.xml", pcmu, "granted", nil)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		routeTo(agent)(c)
		withShortPrompts(c)
	})
	nc, js := jetstreamtest.Connect(t, gw.NATSURL())
	caller := placeGrantedCall(t, gw.Addr(), callerNumber, 5000)
	captured := nextAuditEvent(t, js, audit.KindConsentCaptured, waitLimit)
	var r consent.Receipt
	if err := json.Unmarshal(captured.Data, &r); err != nil {
		t.Fatal(err)
	}
	if rep := control(t, nc, r.ID, consent.VerbWithdraw); rep.Status != "ok" || rep.ID != r.ID || rep.Verb != "withdraw" {
		t.Fatalf("withdraw: %+v", rep)
	}
	if rep := control(t, nc, r.ID, consent.VerbWithdraw); rep.Status != "ok" {
		t.Errorf("second withdraw: %+v, want ok (nothing more to do)", rep)
	}
	if rep := control(t, nc, r.ID, consent.VerbPause); rep.Status != "rejected" || !strings.Contains(rep.Error, "not being recorded") {
		t.Errorf("pause after withdrawal: %+v, want rejected", rep)
	}
	// A malformed receipt id is rejected; a well-formed id of no call gets no answer.
	if msg, err := nc.Request(callctl.SubjectPrefix+"42.withdraw", nil, waitLimit); err != nil {
		t.Errorf("malformed id: %v", err)
	} else if !strings.Contains(string(msg.Data), `"rejected"`) {
		t.Errorf("malformed id answered %s", msg.Data)
	}
	if _, err := nc.Request(callctl.Subject(consent.NewIDSource().New(time.Now()), consent.VerbWithdraw), nil, 300*time.Millisecond); err == nil {
		t.Error("a command for no call was answered")
	}
	mustSucceed(t, "caller", caller)
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	got := waitReceipt(t, gw, func(r consent.Receipt) bool { return r.Decision == consent.DecisionWithdrawn })
	if got.WithdrawnVia != "nats" || got.Recording != nil {
		t.Errorf("receipt withdrawn via %q, recording %v", got.WithdrawnVia, got.Recording)
	}
	assertNoAudioWritten(t, gw)
}

// A route with a language menu: the caller keys 2 for Danish and then says nothing. The
// consent prompt plays in Danish, and the rest of the menu key (RFC 4733 repeats its end
// packet) is not taken for a decline: the call times out unrecorded.
func TestLanguageMenuPicksTheConsentPrompt(t *testing.T) {
	sipptest.RequireSIPp(t)
	agent := startAgent(t, "agent.xml", pcmu, "declined", nil)
	gw := gatewaytest.Start(t, func(c *config.Config) {
		routeTo(agent)(c)
		c.Routes[0].LanguageMenu = []string{"en", "da"}
		c.Routes[0].LanguageMenuPrompt = sipptest.AudioPath("menu-short.wav")
		c.Consent.Prompts = append(c.Consent.Prompts, config.PromptSet{Language: "da", Consent: sipptest.AudioPath("prompt-short-da.wav")})
	})
	caller := sipptest.Start(t, sipptest.Options{Scenario: "caller_rfc4733.xml", Remote: gw.Addr(), Timeout: waitLimit,
		Keys: callerKeys(pcmu, "", map[string]string{"audio": pcmu.stream("caller-440hz", -1), "digit_delay": "200", "dtmf_pcap": sipptest.DTMFPcap("2"), "hold": "4500"})})
	mustSucceed(t, "caller", caller)
	mustSucceed(t, "agent", agent)
	gw.WaitIdle(t, waitLimit)
	gw.WaitArchived(t, "receipt", 1, waitLimit)
	r := onlyReceipt(t, gw)
	if r.Decision != consent.DecisionTimeout || r.Digit != "" {
		t.Errorf("receipt %s (digit %q), want timeout: the menu key decided consent", r.Decision, r.Digit)
	}
	if r.Prompt.Language != "da" || r.Prompt.ID != "file:prompt-short-da.wav" || r.Prompt.PlayedMS <= 0 {
		t.Errorf("receipt prompt %+v, want the Danish prompt played", r.Prompt)
	}
	assertNoAudioWritten(t, gw)
}

func scrape(t *testing.T, gw *gatewaytest.Gateway) string {
	t.Helper()
	resp, err := http.Get("http://" + gw.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

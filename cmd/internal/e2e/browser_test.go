package e2e

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentgw/consentgw/cmd/internal/audiotest"
	"github.com/consentgw/consentgw/cmd/internal/gatewaytest"
	"github.com/consentgw/consentgw/cmd/internal/phone"
	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/consent/sealing"
)

// requireBrowser finds Chromium and the built phone page, or fails saying how to get them.
func requireBrowser(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: this test runs Chromium (the fast tier runs no outside binary)")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("chromium is required for the browser tests (%v): install it with `apt-get install -y chromium`", err)
	}
	if !phone.Built() {
		t.Fatal("the phone page's script is not built: run `make phone` (npm ci and esbuild) before go test")
	}
	return path
}

// startBrowser runs headless Chromium with a fake microphone that plays a 440 Hz tone
// and grants it without asking, on a fresh profile removed at the end. Each test opens
// its own tab in it (chromedp.NewContext of the returned context).
func startBrowser(t *testing.T, ctx context.Context, path string) context.Context {
	t.Helper()
	mic := filepath.Join(t.TempDir(), "mic-440hz.wav")
	if err := audiotest.WriteTone(mic, callerTone, 12000, 48000, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", mic),
		chromedp.Flag("allow-loopback-in-peer-connection", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.IgnoreCertErrors, // the wss: case's self-signed certificate
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc()
	})
	if err := chromedp.Do(browserCtx); err != nil { // starts the browser
		t.Fatalf("starting chromium: %v", err)
	}
	return browserCtx
}

// Headless Chromium opens /phone/, calls the gateway with JsSIP over SIP over WebSocket,
// presses a keypad digit (RFC 4733 through RTCDTMFSender, or SIP INFO), talks to a SIPp
// agent with its fake microphone and hangs up: receipt and recording as for a trunk call.
func TestBrowserPhoneCallsThroughTheGateway(t *testing.T) {
	chromium := requireBrowser(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	chrome := startBrowser(t, ctx, chromium)
	cases := []struct {
		name     string
		dtmf     string
		secure   bool // the gateway listens on wss: only
		digit    string
		decision consent.Decision
		method   consent.Method
	}{
		{"presses 1 by RTCDTMFSender", "rfc4733", false, "1", consent.DecisionGranted, consent.MethodRFC4733},
		{"presses 1 by SIP INFO", "info", false, "1", consent.DecisionGranted, consent.MethodSIPInfo},
		{"presses 2 and is not recorded", "rfc4733", false, "2", consent.DecisionDeclined, consent.MethodRFC4733},
		{"presses 1 over wss", "rfc4733", true, "1", consent.DecisionGranted, consent.MethodRFC4733},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			recorded := tc.decision == consent.DecisionGranted
			header := "declined"
			if recorded {
				header = "granted"
			}
			agent := startAgent(t, "agent.xml", pcmu, header, nil)
			gw, _, _ := startWebRTCGateway(t, agent, tc.secure)
			browser, closeTab := chromedp.NewContext(chrome)
			defer closeTab()
			browser, cancel := context.WithTimeout(browser, waitLimit)
			defer cancel()
			console := keepConsole(t, browser)
			defer func() {
				if t.Failed() {
					t.Logf("page console:\n%s", console())
				}
			}()

			page := "http://" + gw.HTTPAddr() + "/phone/?" + url.Values{"to": {calledNumber}, "from": {callerNumber}, "dtmf": {tc.dtmf}, "debug": {"1"}}.Encode()
			status := func(js string) chromedp.Action[chromedp.Void] {
				return chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))
			}
			err := chromedp.Do(browser,
				chromedp.Navigate(page),
				status(`document.body.dataset.status === 'ready'`),
				chromedp.Click("#call"),
				status(`document.body.dataset.status === 'in call' && document.getElementById('media').textContent === 'connected'`),
				chromedp.Click(`[data-digit="`+tc.digit+`"]`),
			)
			if err != nil {
				t.Fatalf("calling from the page: %v (status %q)", err, pageStatus(browser))
			}
			waitFor(t, 20*time.Second, "the call to be bridged to the agent", func() bool { return strings.Contains(gw.Logs(), "call bridged") })
			if recorded {
				// A whole chunk of both parties' encrypted streams in the spool (4.1 s).
				waitFor(t, 20*time.Second, "4.1 s of recording", func() bool { return spoolAudioBytes(gw) >= 2*(sealing.ChunkBytes+16) })
			}
			if err := chromedp.Do(browser, chromedp.Click("#hangup"), status(`document.body.dataset.status === 'ended'`)); err != nil {
				t.Fatalf("hanging up: %v (status %q)", err, pageStatus(browser))
			}
			mustSucceed(t, "agent", agent)
			r := waitCallStored(t, gw, recorded)
			if r.Decision != tc.decision || r.Method != tc.method || r.Digit != tc.digit {
				t.Errorf("receipt says %s by %s (%q), want %s by %s (%s)", r.Decision, r.Method, r.Digit, tc.decision, tc.method, tc.digit)
			}
			assertRecordedOnlyWhenGranted(t, gw, r, recorded)
			assertNoRawNumber(t, gw)
		})
	}
}

// keepConsole collects what the page writes to its console (JsSIP's debug log with
// ?debug=1), for the test's output when it fails.
func keepConsole(t *testing.T, tab context.Context) func() string {
	t.Helper()
	var mu sync.Mutex
	var lines []string
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			if len(lines) < 2000 {
				lines = append(lines, m.Time.Format("15:04:05.000")+" "+m.Text)
			}
			mu.Unlock()
		}
	}()
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(lines, "\n")
	}
}

func pageStatus(browser context.Context) string {
	ctx, cancel := context.WithTimeout(browser, 2*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text("#status"))
	if err != nil {
		return err.Error()
	}
	return s
}

// waitFor polls cond every 20 ms until it holds, failing after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("waited %v for %s", timeout, what)
		}
	}
}

// spoolAudioBytes is the size of the recording being written in the spool: its parties'
// encrypted streams.
func spoolAudioBytes(gw *gatewaytest.Gateway) int64 {
	var size int64
	_ = filepath.WalkDir(gw.Config.SpoolDir(), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (filepath.Ext(path) == ".wav" || filepath.Ext(path) == ".age") {
			if info, err := d.Info(); err == nil {
				size += info.Size()
			}
		}
		return nil
	})
	return size
}

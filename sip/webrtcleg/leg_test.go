package webrtcleg_test

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/consentgw/consentgw/ivr"
	"github.com/consentgw/consentgw/ivr/dtmf"
	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/sip/webrtcleg"
	"github.com/consentgw/consentgw/sip/webrtcleg/webrtctest"
)

// digitCatcher is the leg's handler: audio counted, RFC 4733 digits detected.
type digitCatcher struct {
	audio  atomic.Int64
	det    dtmf.RFC4733Detector
	digits chan byte
}

func (c *digitCatcher) HandleRTP(_ []byte, h *rtp.Header, payload []byte) {
	switch h.PayloadType {
	case webrtctest.AudioPT:
		c.audio.Add(1)
	case webrtctest.EventPT:
		if d, ok, err := c.det.Push(h.Timestamp, payload); err == nil && ok {
			c.digits <- d
		}
	}
}

// A browser's offer, with its candidates complete or none yet (trickle), is answered by
// an ICE-lite peer connection on media.ip; the browser's audio and RTCDTMFSender digit
// reach the handler; a re-offer is answered; the gateway's frames reach the browser.
func TestBrowserOfferIsAnsweredAndMediaFlowsBothWays(t *testing.T) {
	for _, complete := range []bool{true, false} {
		name := "trickle offer"
		if complete {
			name = "complete offer"
		}
		t.Run(name, func(t *testing.T) {
			ports, err := media.NewPortPool(netip.MustParseAddr("127.0.0.1"), 41000, 41999)
			if err != nil {
				t.Fatal(err)
			}
			browser := webrtctest.New(t)
			offer := browser.Offer(t, complete)
			desc, err := sdpneg.Parse(offer)
			if err != nil {
				t.Fatal(err)
			}
			if !desc.UsesDTLS() {
				t.Fatalf("offer proto %q not taken for WebRTC", desc.Proto)
			}
			choice, err := sdpneg.Choose(desc)
			if err != nil {
				t.Fatal(err)
			}
			leg, err := webrtcleg.New(webrtcleg.Options{IP: netip.MustParseAddr("127.0.0.1"), Ports: ports}, choice, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			catcher := &digitCatcher{digits: make(chan byte, 4)}
			leg.SetHandler(catcher)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			answer, err := leg.Answer(ctx, offer)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"a=ice-lite", "UDP/TLS/RTP/SAVPF 0 126", "a=fingerprint:", "a=end-of-candidates", "127.0.0.1"} {
				if !strings.Contains(string(answer), want) {
					t.Errorf("answer lacks %q:\n%s", want, answer)
				}
			}
			browser.Accept(t, answer)
			browser.WaitConnected(t, 10*time.Second)
			browser.StartTone(440)
			browser.SendDigit('1')
			select {
			case d := <-catcher.digits:
				if d != '1' {
					t.Errorf("digit %q detected, want 1", d)
				}
			case <-ctx.Done():
				t.Fatalf("no digit detected; %d audio packets arrived", catcher.audio.Load())
			}

			// A re-offer in the call (a browser's re-INVITE) is answered on the same
			// connection, and media goes on.
			reanswer, err := leg.Answer(ctx, browser.Offer(t, true))
			if err != nil {
				t.Fatalf("answering a re-offer: %v", err)
			}
			browser.Accept(t, reanswer)

			player := ivr.NewPlayer(leg, g711.ULaw, choice.Audio.PayloadType)
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			// Until both ways carried audio: the browser's digit may have gone before
			// any of its tone, and its audio resumes after the re-offer in its own time.
			for i := 0; (len(browser.Heard()) < 8*160 || catcher.audio.Load() == 0) && i < 500; i++ {
				<-tick.C
				if err := player.SendSilence(); err != nil {
					t.Fatal(err)
				}
			}
			if n := len(browser.Heard()); n < 8*160 {
				t.Fatalf("browser heard %d samples, want 8 frames", n)
			}
			if catcher.audio.Load() == 0 {
				t.Error("no audio from the browser reached the handler")
			}
			leg.Close()
			if ports.InUse() != 0 {
				t.Errorf("%d port pairs held after Close", ports.InUse())
			}
		})
	}
}

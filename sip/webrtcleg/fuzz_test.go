package webrtcleg_test

import (
	"context"
	"log/slog"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/consentgw/consentgw/sip/media"
	"github.com/consentgw/consentgw/sip/sdpneg"
	"github.com/consentgw/consentgw/sip/webrtcleg"
)

// A browser's offer is outside input: whatever it holds, answering it (as the B2BUA does:
// parse, choose, open, answer) ends in an answer or an error, never a panic, and closing
// the leg returns its port.
func FuzzAnswer(f *testing.F) {
	offer, err := os.ReadFile("testdata/browser-offer.sdp")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(offer)
	f.Add([]byte(strings.Replace(string(offer), "a=fingerprint:", "a=x-fingerprint:", 1)))
	f.Add([]byte(strings.Replace(string(offer), "a=setup:actpass", "a=setup:passive", 1)))
	f.Add([]byte(strings.Replace(string(offer), "a=ice-ufrag:Abcd\r\n", "", 1)))
	f.Add([]byte(strings.Replace(string(offer), "m=audio", "m=video", 1)))
	ports, err := media.NewPortPool(netip.MustParseAddr("127.0.0.1"), 42000, 42999)
	if err != nil {
		f.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	f.Fuzz(func(t *testing.T, offer []byte) {
		desc, err := sdpneg.Parse(offer)
		if err != nil || !desc.UsesDTLS() {
			return
		}
		choice, err := sdpneg.Choose(desc)
		if err != nil {
			return
		}
		leg, err := webrtcleg.New(webrtcleg.Options{IP: netip.MustParseAddr("127.0.0.1"), Ports: ports}, choice, log)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, _ = leg.Answer(ctx, offer)
		leg.Close()
		if n := ports.InUse(); n != 0 {
			t.Fatalf("%d port pairs held after Close", n)
		}
	})
}

// The seed offer is a browser's: it is answered.
func TestBrowserOfferSeedIsAnswered(t *testing.T) {
	offer, err := os.ReadFile("testdata/browser-offer.sdp")
	if err != nil {
		t.Fatal(err)
	}
	desc, err := sdpneg.Parse(offer)
	if err != nil {
		t.Fatal(err)
	}
	choice, err := sdpneg.Choose(desc)
	if err != nil {
		t.Fatal(err)
	}
	ports, err := media.NewPortPool(netip.MustParseAddr("127.0.0.1"), 42000, 42999)
	if err != nil {
		t.Fatal(err)
	}
	leg, err := webrtcleg.New(webrtcleg.Options{IP: netip.MustParseAddr("127.0.0.1"), Ports: ports}, choice, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer leg.Close()
	answer, err := leg.Answer(context.Background(), offer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(answer), "UDP/TLS/RTP/SAVPF 0 126") {
		t.Errorf("answer does not keep PCMU and telephone-event/8000 under the offer's types:\n%s", answer)
	}
	if strings.Contains(string(answer), "opus") {
		t.Errorf("answer offers opus back:\n%s", answer)
	}
}

package ivr

import (
	"encoding/binary"
	"math"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/ivr/prompt"
	"github.com/consentgw/consentgw/sip/b2bua"
	"github.com/consentgw/consentgw/sip/g711"
	"github.com/consentgw/consentgw/sip/media"
)

const eventPT = 101

// testCall is a gateway-side caller leg endpoint and the caller's socket on loopback.
type testCall struct {
	ep     *media.Endpoint
	peer   *net.UDPConn
	events chan b2bua.Event
	done   chan struct{}
	seq    uint16
}

func newTestCall(t *testing.T) *testCall {
	t.Helper()
	pool, err := media.NewPortPool(netip.MustParseAddr("127.0.0.1"), 42000, 42999)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := pool.Open()
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	addr := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	ep.SetRemote(addr, netip.AddrPortFrom(addr.Addr(), addr.Port()+1))
	ep.Start(nil)
	t.Cleanup(func() {
		ep.Close()
		peer.Close()
	})
	return &testCall{ep: ep, peer: peer, events: make(chan b2bua.Event, 4), done: make(chan struct{})}
}

func (c *testCall) caller() Caller {
	return Caller{Media: c.ep, Law: g711.ULaw, AudioPT: 0, EventPT: eventPT, Events: c.events, Done: c.done}
}

func (c *testCall) send(t *testing.T, pt uint8, ts uint32, payload []byte) {
	t.Helper()
	pkt := make([]byte, 12+len(payload))
	pkt[0] = 0x80
	pkt[1] = pt
	binary.BigEndian.PutUint16(pkt[2:], c.seq)
	binary.BigEndian.PutUint32(pkt[4:], ts)
	binary.BigEndian.PutUint32(pkt[8:], 0x1234)
	copy(pkt[12:], payload)
	c.seq++
	if _, err := c.peer.WriteToUDPAddrPort(pkt, c.ep.LocalAddr()); err != nil {
		t.Fatal(err)
	}
}

// pressRFC4733 sends one key press the way phones do: updates, then the end packet
// three times, all with the event's timestamp (RFC 4733 §2.5.1.3).
func (c *testCall) pressRFC4733(t *testing.T, event byte) {
	for i, end := range []bool{false, false, true, true, true} {
		flags := byte(10) // volume
		if end {
			flags |= 0x80
		}
		c.send(t, eventPT, 8000, []byte{event, flags, 0, byte(160 * (i + 1))})
	}
}

// pressInband sends a DTMF key as µ-law audio tones.
func (c *testCall) pressInband(t *testing.T, low, high float64) {
	pcm := make([]int16, FrameSamples)
	payload := make([]byte, FrameSamples)
	for frame := 0; frame < 8; frame++ {
		for i := range pcm {
			n := float64(frame*FrameSamples + i)
			pcm[i] = int16(6000*math.Sin(2*math.Pi*low*n/8000) + 6000*math.Sin(2*math.Pi*high*n/8000))
		}
		g711.ULaw.Encode(payload, pcm)
		c.send(t, 0, uint32(frame*FrameSamples), payload)
	}
}

func shortPrompt() *prompt.Prompt {
	return &prompt.Prompt{ID: "test", Language: "en", Samples: make([]int16, 5*FrameSamples)}
}

func options(timeout time.Duration, repeats int) Options {
	return Options{Prompt: shortPrompt(), AcceptDigits: "1", DeclineDigits: "2", Timeout: timeout, Repeats: repeats}
}

func collect(t *testing.T, c *testCall, o Options) <-chan Outcome {
	t.Helper()
	out := make(chan Outcome, 1)
	go func() { out <- Collect(t.Context(), c.caller(), o) }()
	return out
}

func waitOutcome(t *testing.T, out <-chan Outcome) Outcome {
	t.Helper()
	select {
	case o := <-out:
		return o
	case <-time.After(30 * time.Second):
		t.Fatal("no consent outcome")
		return Outcome{}
	}
}

// waitPrompt blocks until the caller hears the first prompt packet, so the IVR listens.
func waitPrompt(t *testing.T, c *testCall) {
	t.Helper()
	buf := make([]byte, 1500)
	c.peer.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := c.peer.ReadFrom(buf); err != nil {
		t.Fatalf("caller heard no prompt: %v", err)
	}
}

func TestCollectGrantsOnAcceptDigitByRFC4733(t *testing.T) {
	c := newTestCall(t)
	out := collect(t, c, options(time.Minute, 0))
	waitPrompt(t, c)
	c.pressRFC4733(t, 1)
	o := waitOutcome(t, out)
	if o.Decision != consent.DecisionGranted || o.Method != consent.MethodRFC4733 || o.Digit != "1" {
		t.Fatalf("outcome %+v", o)
	}
}

func TestCollectDeclinesOnDeclineDigitBySIPInfo(t *testing.T) {
	c := newTestCall(t)
	out := collect(t, c, options(time.Minute, 0))
	c.events <- b2bua.Event{Kind: b2bua.EventInfo, ContentType: "application/dtmf-relay", Body: []byte("Signal=2\r\nDuration=160\r\n")}
	o := waitOutcome(t, out)
	if o.Decision != consent.DecisionDeclined || o.Method != consent.MethodSIPInfo || o.Digit != "2" {
		t.Fatalf("outcome %+v", o)
	}
}

func TestCollectGrantsOnInbandTones(t *testing.T) {
	c := newTestCall(t)
	out := collect(t, c, options(time.Minute, 0))
	waitPrompt(t, c)
	c.pressInband(t, 697, 1209)
	o := waitOutcome(t, out)
	if o.Decision != consent.DecisionGranted || o.Method != consent.MethodInband || o.Digit != "1" {
		t.Fatalf("outcome %+v", o)
	}
}

func TestSilenceIsNeverConsent(t *testing.T) {
	c := newTestCall(t)
	// An unrelated key does not decide anything either.
	c.events <- b2bua.Event{Kind: b2bua.EventInfo, ContentType: "application/dtmf", Body: []byte("5")}
	o := waitOutcome(t, collect(t, c, options(40*time.Millisecond, 1)))
	if o.Decision != consent.DecisionTimeout || o.Method != consent.MethodNone || o.Digit != "" {
		t.Fatalf("outcome %+v", o)
	}
	// Two plays of a 100 ms prompt: the repeat was played in full.
	if o.PlayedMS != 200 {
		t.Fatalf("played %d ms of prompt, want 200", o.PlayedMS)
	}
}

func TestCallerHangingUpDuringThePromptIsAHangup(t *testing.T) {
	c := newTestCall(t)
	close(c.done)
	o := waitOutcome(t, collect(t, c, options(time.Minute, 0)))
	if o.Decision != consent.DecisionHangup || o.Method != consent.MethodNone {
		t.Fatalf("outcome %+v", o)
	}
}

package webrtcleg

import (
	"testing"

	"github.com/pion/rtp"
)

type sentPackets struct{ headers []rtp.Header }

func (s *sentPackets) WriteRTP(h *rtp.Header, _ []byte) (int, error) {
	s.headers = append(s.headers, *h)
	return 0, nil
}
func (s *sentPackets) Write(b []byte) (int, error) { return len(b), nil }

func packet(t *testing.T, ssrc uint32, pt uint8, seq uint16, ts uint32) []byte {
	t.Helper()
	b, err := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SSRC: ssrc, SequenceNumber: seq, Timestamp: ts}, Payload: make([]byte, 160)}).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The prompt player's stream, then the agent's, reach the browser as one stream: one
// SSRC, consecutive sequence numbers, timestamps going on one frame after the other;
// telephone-events pass with their payload type, anything else is dropped.
func TestTrackJoinsSourcesIntoOneStream(t *testing.T) {
	sent := &sentPackets{}
	tr := newTrack("audio/PCMU", 0, 126)
	tr.writer, tr.ssrc = sent, 0xbeef
	in := [][]byte{
		packet(t, 1, 0, 100, 1000),
		packet(t, 1, 0, 101, 1160),
		packet(t, 2, 0, 7, 90000),   // the agent's stream starts
		packet(t, 2, 126, 8, 90160), // its telephone-event
		packet(t, 2, 13, 9, 90320),  // comfort noise: not negotiated
		packet(t, 2, 0, 10, 90320),
	}
	for _, p := range in {
		if _, err := tr.write(p); err != nil {
			t.Fatal(err)
		}
	}
	if len(sent.headers) != 5 {
		t.Fatalf("%d packets sent, want 5 (comfort noise dropped)", len(sent.headers))
	}
	wantTS := []uint32{1000, 1160, 1320, 1480, 1640}
	wantPT := []uint8{0, 0, 0, 126, 0}
	for i, h := range sent.headers {
		if h.SSRC != 0xbeef || h.Timestamp != wantTS[i] || h.PayloadType != wantPT[i] {
			t.Errorf("packet %d: ssrc %x ts %d pt %d, want beef %d %d", i, h.SSRC, h.Timestamp, h.PayloadType, wantTS[i], wantPT[i])
		}
		if i > 0 && h.SequenceNumber != sent.headers[i-1].SequenceNumber+1 {
			t.Errorf("packet %d: sequence %d after %d", i, h.SequenceNumber, sent.headers[i-1].SequenceNumber)
		}
	}
	if !sent.headers[2].Marker {
		t.Error("the new source's first packet is not marked as a talkspurt start")
	}
}

func TestTrackDropsUntilBound(t *testing.T) {
	tr := newTrack("audio/PCMU", 0)
	if sent, err := tr.write(packet(t, 1, 0, 1, 1)); sent || err != nil {
		t.Errorf("unbound track: sent %v err %v", sent, err)
	}
}

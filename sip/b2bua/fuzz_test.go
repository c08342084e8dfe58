package b2bua

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/redact"
	"github.com/consentgw/consentgw/sip/sdpneg"
)

// sharedSeeds are the SIP messages of testdata/fuzz/sip at the repository root, shared
// by the targets that read SIP from the network.
func sharedSeeds(f *testing.F) [][]byte {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "..", "testdata", "fuzz", "sip", "*.sip"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seed messages under testdata/fuzz/sip (%v)", err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// FuzzSIPMessage runs what the gateway does with a message from the network, short of
// a call: the read filter, sipgo's parser with the gateway's size limit, and then what
// the handlers read before admission and in dialogs (source, dialog ids, headers, SDP,
// the redacted trace).
func FuzzSIPMessage(f *testing.F) {
	for _, seed := range sharedSeeds(f) {
		f.Add(seed)
	}
	for _, seed := range tortureMessages(f) { // RFC 4475
		f.Add(seed)
	}
	s := &Server{}
	parser := sip.NewParser()
	parser.MaxMessageLength = MaxMessageBytes
	udp := sip.TransportReadProps{Transport: "UDP"}
	f.Fuzz(func(t *testing.T, data []byte) {
		data, _ = s.screen(udp, data)
		if len(data) == 0 {
			return
		}
		msg, err := parser.ParseSIP(data)
		if err != nil {
			return
		}
		msg.SetSource("127.0.0.1:5060")
		_ = redact.Message(msg.String())
		req, ok := msg.(*sip.Request)
		if !ok {
			return
		}
		_ = sourceAddr(req)
		_ = unanswerable(req)
		if checkRequest(req) != nil {
			return // refused before any handler reads it
		}
		_, _ = sip.DialogIDFromRequestUAS(req)
		_, _ = sip.DialogIDFromRequestUAC(req)
		if to := req.To(); to != nil {
			_ = to.Params.Has("tag")
		}
		if from := req.From(); from != nil {
			_ = from.Address.User
		}
		if pai := req.GetHeader("P-Asserted-Identity"); pai != nil {
			_ = pai.Value()
		}
		if d, err := sdpneg.Parse(req.Body()); err == nil {
			_, _ = sdpneg.Choose(d)
			_, _ = sdpneg.ChooseCrypto(d, sdpneg.SRTPOptional)
		}
	})
}

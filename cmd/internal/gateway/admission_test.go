package gateway

import (
	"net/netip"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/cmd/internal/config"
)

func TestTrustPolicyCombinesTrustedAndRouteSources(t *testing.T) {
	cfg := config.Default()
	cfg.SIP.Trusted = []string{"10.0.0.0/8", "2001:db8::/32"}
	cfg.Routes = []config.Route{
		{Name: "vip", Match: "^4570", RecordTarget: "sip:a@h", AnswerTimeout: config.Duration(time.Second), Sources: []string{"10.1.1.1"}},
		{Name: "rest", Match: ".*", RecordTarget: "sip:a@h", AnswerTimeout: config.Duration(time.Second)},
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	allow := trustPolicy(cfg)
	tests := []struct {
		src, user string
		method    sip.RequestMethod
		want      bool
	}{
		{"10.2.2.2", "4511", sip.INVITE, true},
		{"2001:db8::5", "4511", sip.INVITE, true},
		{"192.0.2.1", "4511", sip.INVITE, false},
		{"10.1.1.1", "4570123", sip.INVITE, true},
		{"10.2.2.2", "4570123", sip.INVITE, false},
		{"10.2.2.2", "4570123", sip.OPTIONS, true},
		{"192.0.2.1", "4570123", sip.OPTIONS, false},
	}
	for _, tt := range tests {
		req := sip.NewRequest(tt.method, sip.Uri{Scheme: "sip", User: tt.user, Host: "gw"})
		if got := allow(netip.MustParseAddr(tt.src), req); got != tt.want {
			t.Errorf("%s from %s to %s: allowed %v, want %v", tt.method, tt.src, tt.user, got, tt.want)
		}
	}
}

func TestEmptyTrustedListLetsEveryoneIn(t *testing.T) {
	cfg := config.Default()
	cfg.SIP.Trusted = nil
	if trustPolicy(cfg) != nil {
		t.Error("sip.trusted [] without route sources still filters sources")
	}
}

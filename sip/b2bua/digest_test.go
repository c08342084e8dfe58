package b2bua

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// inviteAs sends an INVITE that answers a digest challenge as user with password.
func inviteAs(t *testing.T, p *peer, target sip.Uri, user, password string) (*sipgo.DialogClientSession, []*sip.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	req := sip.NewRequest(sip.INVITE, target)
	req.AppendHeader(sip.HeaderClone(&p.contact))
	req.SetBody([]byte(sdpOffer(30000, "", fmtPCMU)))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	dlg, err := p.uac.WriteInvite(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dlg.Close() })
	var seen []*sip.Response
	err = dlg.WaitAnswer(ctx, sipgo.AnswerOptions{Username: user, Password: password,
		OnResponse: func(res *sip.Response) error { seen = append(seen, res); return nil }})
	if err == nil {
		_ = dlg.Ack(ctx)
	}
	return dlg, seen, err
}

func TestDigestAdmitsKnownUsersFromOutsideTheTrustedNetworks(t *testing.T) {
	legs := make(chan *Inbound, 1)
	var rejected reasons
	g := startGatewayWith(t, "udp", 2, answerAndWait(legs), Admission{
		Allow:    func(netip.Addr, *sip.Request) bool { return false }, // nobody is trusted
		Auth:     NewDigestAuth("consentgw.example", map[string]string{"alice": "correct horse"}),
		Rejected: rejected.add,
	})
	browser := newPeer(t, "udp", nil)

	_, seen, err := inviteAs(t, browser, g.uri, "alice", "wrong")
	var refused *sipgo.ErrDialogResponse
	if !errors.As(err, &refused) || refused.Res.StatusCode != sip.StatusForbidden {
		t.Fatalf("wrong password: %v, want 403", err)
	}
	if len(seen) == 0 || !strings.Contains(seen[0].String(), `WWW-Authenticate: Digest realm="consentgw.example"`) {
		t.Fatalf("no digest challenge before the 403: %v", seen)
	}

	dlg, _, err := inviteAs(t, browser, g.uri, "alice", "correct horse")
	if err != nil {
		t.Fatalf("alice with her password: %v", err)
	}
	recv(t, legs, "alice's call")
	byeCaller(t, callerInvite{dlg: dlg})
	waitUntil(t, func() bool { return g.ActiveCalls() == 0 }, "alice's call to end")
	if rejected.get(RejectChallenged) < 2 || rejected.get(RejectUntrusted) != 1 {
		t.Errorf("counted %v, want two challenges and one refusal", rejected.n)
	}
}

func TestDigestNonceIsOursAndExpires(t *testing.T) {
	a := NewDigestAuth("r", nil)
	now := time.Unix(time.Now().Unix(), 0) // nonces carry whole seconds
	n := a.nonce(now)
	if age, ok := a.nonceAge(n, now.Add(time.Minute)); !ok || age != time.Minute {
		t.Fatalf("own nonce: age %v ok %v", age, ok)
	}
	if _, ok := NewDigestAuth("r", nil).nonceAge(n, now); ok {
		t.Error("another process's nonce accepted")
	}
	if _, ok := a.nonceAge(n[:len(n)-2]+"AA", now); ok {
		t.Error("a forged nonce accepted")
	}
}

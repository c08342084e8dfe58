package b2bua

import (
	"context"
	"encoding/base64"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/consentgw/consentgw/sip/siptest"
)

// inviteAs sends an INVITE that answers a digest challenge as user with password.
func inviteAs(t *testing.T, p *siptest.Peer, target sip.Uri, user, password string) (*sipgo.DialogClientSession, []*sip.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testWait)
	defer cancel()
	req := sip.NewRequest(sip.INVITE, target)
	req.AppendHeader(sip.HeaderClone(&p.Contact))
	req.SetBody([]byte(siptest.Offer(30000, "", siptest.PCMU)))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	dlg, err := p.UAC.WriteInvite(ctx, req)
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
	browser := siptest.NewPeer(t, "udp", nil)

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
	siptest.Recv(t, legs, "alice's call")
	siptest.Call{Dialog: dlg}.Bye(t)
	waitUntil(t, func() bool { return g.ActiveCalls() == 0 }, "alice's call to end")
	if rejected.get(RejectChallenged) < 2 || rejected.get(RejectAuthFailed) != 1 {
		t.Errorf("counted %v, want two challenges and one refusal", rejected.n)
	}
}

func TestDigestNonceIsOursBoundToItsSourceAndExpires(t *testing.T) {
	a := NewDigestAuth("r", nil)
	src, other := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	now := time.Unix(time.Now().Unix(), 0) // nonces carry whole seconds
	n := a.nonce(src, now)
	if issued, ok := a.nonceIssued(n, src); !ok || !issued.Equal(now) {
		t.Fatalf("own nonce: issued %v ok %v", issued, ok)
	}
	if _, ok := a.nonceIssued(n, other); ok {
		t.Error("a nonce sent to one address accepted from another")
	}
	if _, ok := NewDigestAuth("r", nil).nonceIssued(n, src); ok {
		t.Error("another process's nonce accepted")
	}
	// One bit of the MAC flipped: replacing its last characters with fixed ones (as this
	// did) left the nonce unchanged whenever it already ended in them, 1 run in 4096.
	forged, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil {
		t.Fatal(err)
	}
	forged[len(forged)-1] ^= 1
	if _, ok := a.nonceIssued(base64.RawURLEncoding.EncodeToString(forged), src); ok {
		t.Error("a forged nonce accepted")
	}
}

// optionsAuthorized answers the 401 to an OPTIONS as user (RFC 7616 qop=auth, nc 1) and
// returns the final response and the Authorization header it sent.
func optionsAuthorized(t *testing.T, p *siptest.Peer, target sip.Uri, user, password string) (*sip.Response, string) {
	t.Helper()
	res := p.Request(t, sip.NewRequest(sip.OPTIONS, target))
	if res.StatusCode != sip.StatusUnauthorized {
		t.Fatalf("OPTIONS without credentials answered %d, want 401", res.StatusCode)
	}
	chal, err := digest.ParseChallenge(res.GetHeader("WWW-Authenticate").Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: "OPTIONS", URI: target.String(), Username: user, Password: password, Count: 1, Cnonce: "0a4f113b"})
	if err != nil {
		t.Fatal(err)
	}
	return optionsWith(t, p, target, cred.String()), cred.String()
}

func optionsWith(t *testing.T, p *siptest.Peer, target sip.Uri, authorization string) *sip.Response {
	t.Helper()
	req := sip.NewRequest(sip.OPTIONS, target)
	req.AppendHeader(sip.NewHeader("Authorization", authorization))
	return p.Request(t, req)
}

// A captured Authorization header sent again with a new Call-ID is not admitted: the
// nonce's count was used (RFC 7616 §3.4). It used to be admitted 50 times out of 50.
func TestDigestReplayedCredentialsAreRefused(t *testing.T) {
	var rejected reasons
	g := startGatewayWith(t, "udp", 1, answerAndWait(make(chan *Inbound, 1)), Admission{
		Allow:    func(netip.Addr, *sip.Request) bool { return false },
		Auth:     NewDigestAuth("consentgw.example", map[string]string{"alice": "correct horse"}),
		Rejected: rejected.add,
	})
	phone := siptest.NewPeer(t, "udp", nil)

	res, captured := optionsAuthorized(t, phone, g.uri, "alice", "correct horse")
	if res.StatusCode != sip.StatusOK {
		t.Fatalf("alice's OPTIONS answered %d, want 200", res.StatusCode)
	}
	for i := range 5 {
		if res := optionsWith(t, phone, g.uri, captured); res.StatusCode != sip.StatusUnauthorized {
			t.Fatalf("replay %d answered %d, want 401 (a fresh challenge)", i, res.StatusCode)
		}
	}
}

// Wrong passwords from one source are answered 403 and, after a few, refused unchecked,
// even the right one, while another source is not held up.
func TestDigestGuessesAreLimitedPerSource(t *testing.T) {
	var rejected reasons
	auth := NewDigestAuth("consentgw.example", map[string]string{"alice": "correct horse"})
	g := startGatewayWith(t, "udp", 1, answerAndWait(make(chan *Inbound, 1)), Admission{
		Allow:    func(netip.Addr, *sip.Request) bool { return false },
		Auth:     auth,
		Rejected: rejected.add,
	})
	guesser := siptest.NewPeer(t, "udp", nil)

	for i := range authFailureBurst + 3 {
		res, _ := optionsAuthorized(t, guesser, g.uri, "alice", "guess "+strconv.Itoa(i))
		if res.StatusCode != sip.StatusForbidden {
			t.Fatalf("guess %d answered %d, want 403", i, res.StatusCode)
		}
	}
	if res, _ := optionsAuthorized(t, guesser, g.uri, "alice", "correct horse"); res.StatusCode != sip.StatusForbidden {
		t.Errorf("the right password from a blocked source answered %d, want 403", res.StatusCode)
	}
	if n := rejected.get(RejectAuthFailed); n != authFailureBurst {
		t.Errorf("%d guesses checked and refused, want %d", n, authFailureBurst)
	}
	if n := rejected.get(RejectAuthBlocked); n != 4 {
		t.Errorf("%d attempts refused unchecked, want 4", n)
	}
	if !auth.failures.exhausted(netip.MustParseAddr("127.0.0.1"), time.Now()) {
		t.Error("the guessing source is not blocked")
	}
	if auth.failures.exhausted(netip.MustParseAddr("127.0.0.2"), time.Now()) {
		t.Error("another source is blocked too")
	}
}

func TestNonceCountsRefuseAnOldCountAndForgetExpiredNonces(t *testing.T) {
	c := newNonceCounts()
	t0 := time.Unix(1_000_000, 0)
	if !c.use("n1", 1, t0, t0) || !c.use("n1", 2, t0, t0) {
		t.Fatal("rising counts refused")
	}
	if c.use("n1", 2, t0, t0) || c.use("n1", 1, t0, t0) {
		t.Error("a count used before admitted again")
	}
	if !c.use("n2", 0, t0, t0) || c.use("n2", 0, t0, t0) {
		t.Error("a nonce without qop (nc 0) is not single-use")
	}
	c.use("n3", 1, t0.Add(nonceLife), t0.Add(nonceLife+time.Second))
	if n := c.tracked(); n != 1 {
		t.Errorf("%d nonces tracked after the first two expired, want 1", n)
	}
}

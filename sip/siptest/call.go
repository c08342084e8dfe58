package siptest

import (
	"context"
	"errors"
	"testing"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/sdpneg"
)

// Call is the outcome of a caller's INVITE: every status seen, and the dialog when it
// was answered (already ACKed).
type Call struct {
	Dialog   *sipgo.DialogClientSession
	Statuses []int
	Answer   *sdpneg.Description
	Err      error
}

// Invite sends an INVITE with body as its SDP to target, waits for the final response
// and ACKs a 2xx. A From header among hdrs replaces the default "Caller"
// <sip:caller@127.0.0.1>.
func (p *Peer) Invite(t testing.TB, target sip.Uri, body string, hdrs ...sip.Header) Call {
	t.Helper()
	return p.InviteWatching(t, target, body, nil, hdrs...)
}

// InviteWatching is Invite with onResponse called on every response to the INVITE, as
// it arrives.
func (p *Peer) InviteWatching(t testing.TB, target sip.Uri, body string, onResponse func(*sip.Response), hdrs ...sip.Header) Call {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	req := sip.NewRequest(sip.INVITE, target)
	from := &sip.FromHeader{
		DisplayName: "Caller",
		Address:     sip.Uri{Scheme: "sip", User: "caller", Host: "127.0.0.1"},
		Params:      sip.NewParams(),
	}
	for _, h := range hdrs {
		if f, ok := h.(*sip.FromHeader); ok {
			from = f
		}
	}
	if from.Params == nil {
		from.Params = sip.NewParams()
	}
	if !from.Params.Has("tag") {
		from.Params.Add("tag", sip.GenerateTagN(8))
	}
	req.AppendHeader(from)
	req.AppendHeader(sip.HeaderClone(&p.Contact))
	for _, h := range hdrs {
		if _, ok := h.(*sip.FromHeader); !ok {
			req.AppendHeader(h)
		}
	}
	if body != "" {
		req.SetBody([]byte(body))
		if req.ContentType() == nil { // hdrs may type the body otherwise
			req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
		}
	}
	var out Call
	dlg, err := p.UAC.WriteInvite(ctx, req)
	if err != nil {
		t.Fatalf("sending INVITE: %v", err)
	}
	t.Cleanup(func() { dlg.Close() })
	out.Err = dlg.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
		out.Statuses = append(out.Statuses, res.StatusCode)
		if onResponse != nil {
			onResponse(res)
		}
		return nil
	}})
	if out.Err != nil {
		return out
	}
	out.Dialog = dlg
	if out.Answer, err = sdpneg.Parse(dlg.InviteResponse.Body()); err != nil {
		t.Fatalf("answer SDP: %v\n%s", err, dlg.InviteResponse.Body())
	}
	if err := dlg.Ack(ctx); err != nil {
		t.Fatalf("ACK: %v", err)
	}
	return out
}

// FinalStatus is the status of a refused INVITE.
func (c Call) FinalStatus(t testing.TB) int {
	t.Helper()
	var refused *sipgo.ErrDialogResponse
	if !errors.As(c.Err, &refused) {
		t.Fatalf("INVITE did not end with a final response: %v", c.Err)
	}
	return refused.Res.StatusCode
}

// Bye hangs up from the caller's side; the BYE must get 200.
func (c Call) Bye(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	if err := c.Dialog.Bye(ctx); err != nil {
		t.Fatalf("caller BYE: %v", err)
	}
}

// Request sends a request out of any dialog and returns its final response.
func (p *Peer) Request(t testing.TB, req *sip.Request) *sip.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	res, err := p.Client.Do(ctx, req)
	if err != nil {
		t.Fatalf("%s: %v", req.Method, err)
	}
	return res
}

// InDialog sends a request in the caller's dialog and returns its final response.
func InDialog(t testing.TB, dlg *sipgo.DialogClientSession, req *sip.Request) *sip.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Wait)
	defer cancel()
	res, err := dlg.Do(ctx, req)
	if err != nil {
		t.Fatalf("in-dialog %s: %v", req.Method, err)
	}
	return res
}

// RemoteTarget is where in-dialog requests of the caller go: the answerer's Contact.
func RemoteTarget(dlg *sipgo.DialogClientSession) sip.Uri {
	return dlg.InviteResponse.Contact().Address
}

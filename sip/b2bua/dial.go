package b2bua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/sip/sdpneg"
)

// DialRequest describes the agent leg to place for a caller.
type DialRequest struct {
	Target sip.Uri
	// Caller is the inbound leg: the agent leg offers the caller's codec, so media is
	// relayed without transcoding, and shows the caller's identity.
	Caller  *Inbound
	Headers []sip.Header
	// Timeout bounds the wait for the agent's answer; then the INVITE is cancelled.
	Timeout time.Duration
	Log     *slog.Logger
}

// defaultEventPT is offered to the agent when the caller offered no telephone-event.
const defaultEventPT = 101

// Dial places the agent leg and returns it answered and ACKed. A target that refuses
// answers with its status (486, 603, ...); one that never answers gives 408; the caller
// may then be told with StatusOf. The returned leg must be Closed by the caller.
func (s *Server) Dial(ctx context.Context, r DialRequest) (*Outbound, error) {
	log := r.Log
	if log == nil {
		log = s.log
	}
	ep, err := s.opts.Ports.Open()
	if err != nil {
		return nil, Status(sip.StatusServiceUnavailable, "Service Unavailable", err)
	}
	choice := r.Caller.Choice
	if choice.TelephoneEvent == nil {
		choice.TelephoneEvent = &sdpneg.Format{PayloadType: defaultEventPT, Name: "telephone-event", ClockRate: 8000, Fmtp: "0-16"}
	}
	out := &Outbound{leg: newLeg(log, ep, s.opts.MediaIP, choice, randomSessionID())}
	fail := func(err error) (*Outbound, error) {
		ep.Close()
		return nil, err
	}
	body, err := out.sdp(sdpneg.SendRecv, nil)
	if err != nil {
		return fail(fmt.Errorf("building offer SDP: %w", err))
	}
	req := sip.NewRequest(sip.INVITE, r.Target)
	req.SetBody(body)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.AppendHeader(s.callerFrom(r.Caller))
	if pai := r.Caller.Request.GetHeader("P-Asserted-Identity"); pai != nil {
		req.AppendHeader(sip.HeaderClone(pai))
	}
	for _, h := range r.Headers {
		req.AppendHeader(h)
	}
	if tp, ok := r.Target.UriParams.Get("transport"); ok && tp != "" {
		req.SetTransport(tp)
	}

	dlg, err := s.dialogs.WriteInvite(ctx, req)
	if err != nil {
		return fail(Status(sip.StatusServiceUnavailable, "Service Unavailable", fmt.Errorf("sending INVITE to target: %w", err)))
	}
	out.dlg = dlg
	waitCtx, cancel := context.WithTimeout(ctx, r.Timeout)
	defer cancel()
	if err := dlg.WaitAnswer(waitCtx, sipgo.AnswerOptions{}); err != nil {
		dlg.Close()
		return fail(answerError(err, waitCtx))
	}
	s.legs.Store(dlg.ID, out)
	answer, err := sdpneg.Parse(dlg.InviteResponse.Body())
	if err == nil && !offers(answer, choice.Audio) {
		err = fmt.Errorf("answer drops %s", choice.Audio.Name)
	}
	if err != nil {
		// RFC 3264 §6.1: an answer we cannot use still forms a dialog; ACK and end it.
		_ = dlg.Ack(ctx)
		_ = dlg.Bye(ctx)
		out.Close()
		return nil, Status(sip.StatusNotAcceptableHere, "Not Acceptable Here", fmt.Errorf("%w: %w", ErrNoAnswerSDP, err))
	}
	out.setRemote(answer)
	out.Choice.TelephoneEvent = answerEvent(answer)
	if err := dlg.Ack(ctx); err != nil {
		_ = dlg.Bye(ctx)
		out.Close()
		return nil, Status(sip.StatusServiceUnavailable, "Service Unavailable", fmt.Errorf("ACK to target: %w", err))
	}
	ep.Start(log)
	out.close = func() { s.legs.Delete(dlg.ID) }
	return out, nil
}

// callerFrom presents the caller's user part from the gateway's own host, so the agent
// sees who calls while routing stays on the gateway.
func (s *Server) callerFrom(in *Inbound) *sip.FromHeader {
	from := &sip.FromHeader{
		Address: sip.Uri{Scheme: "sip", User: "anonymous", Host: s.opts.PublicHost},
		Params:  sip.NewParams(),
	}
	if f := in.Request.From(); f != nil {
		from.DisplayName = f.DisplayName
		from.Address.User = f.Address.User
	}
	from.Params.Add("tag", sip.GenerateTagN(16))
	return from
}

func answerError(err error, ctx context.Context) error {
	var refused *sipgo.ErrDialogResponse
	if errors.As(err, &refused) {
		return Status(refused.Res.StatusCode, refused.Res.Reason, err)
	}
	if ctx.Err() != nil {
		return Status(sip.StatusRequestTimeout, "Request Timeout", fmt.Errorf("target did not answer: %w", err))
	}
	return Status(sip.StatusServiceUnavailable, "Service Unavailable", fmt.Errorf("target unreachable: %w", err))
}

func answerEvent(d *sdpneg.Description) *sdpneg.Format {
	for _, f := range d.Formats {
		if f.Is(sdpneg.NameTelephoneEvent, 8000) {
			f := f
			return &f
		}
	}
	return nil
}

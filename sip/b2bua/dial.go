package b2bua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
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
	// Zero leaves the wait bounded by ctx only.
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
	tp, _ := r.Target.UriParams.Get("transport")
	if r.Target.IsEncrypted() && (tp == "" || strings.EqualFold(tp, "tcp")) {
		tp = "tls" // RFC 3261 §26.2.2: a sips: URI is reached over TLS
	}
	if tp != "" {
		req.SetTransport(strings.ToUpper(tp))
	}

	dialogs := s.dialogsForTransport(tp)
	out.contact = dialogs.ContactHDR
	dlg, err := dialogs.WriteInvite(ctx, req)
	if err != nil {
		return fail(Status(sip.StatusServiceUnavailable, "Service Unavailable", fmt.Errorf("sending INVITE to target: %w", err)))
	}
	out.dlg = dlg
	wait, stopWait := answerWait(ctx, r.Timeout)
	defer stopWait()
	if err := dlg.WaitAnswer(wait.ctx, sipgo.AnswerOptions{OnResponse: wait.seen}); err != nil {
		dlg.Close()
		return fail(answerError(err, wait.ctx))
	}
	s.legs.Store(dlg.ID, out)
	out.close = func() { s.legs.Delete(dlg.ID) }
	answer, err := sdpneg.Parse(dlg.InviteResponse.Body())
	if err == nil && !offers(answer, choice.Audio) {
		err = fmt.Errorf("answer drops %s", choice.Audio.Name)
	}
	if err == nil {
		err = out.setRemote(answer)
	}
	if err != nil {
		// RFC 3264 §6.1: an answer we cannot use still forms a dialog; ACK and end it.
		_ = dlg.Ack(ctx)
		_ = dlg.Bye(ctx)
		out.Close()
		return nil, Status(sip.StatusNotAcceptableHere, "Not Acceptable Here", fmt.Errorf("%w: %w", ErrNoAnswerSDP, err))
	}
	out.Choice.TelephoneEvent = answerEvent(answer)
	if err := dlg.Ack(ctx); err != nil {
		_ = dlg.Bye(ctx)
		out.Close()
		return nil, Status(sip.StatusServiceUnavailable, "Service Unavailable", fmt.Errorf("ACK to target: %w", err))
	}
	if err := ep.Start(log); err != nil {
		_ = dlg.Bye(ctx)
		out.Close()
		return nil, Status(sip.StatusServiceUnavailable, "Service Unavailable", fmt.Errorf("agent media: %w", err))
	}
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

// answerWaiter is the context a Dial waits for the agent's answer in, and whether the
// agent has said anything yet.
type answerWaiter struct {
	ctx         context.Context
	provisional atomic.Bool
}

// answerWait ends the wait for an answer after timeout or when ctx ends. RFC 3261 §9.1
// forbids a CANCEL before any provisional response, and sipgo then waits for one until
// Timer B (32 s); a target that has not answered anything at all (nothing listens, or
// packets are lost) is given up at once instead, without a CANCEL.
func answerWait(ctx context.Context, timeout time.Duration) (*answerWaiter, context.CancelFunc) {
	wctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	w := &answerWaiter{ctx: wctx}
	giveUp := func() {
		if w.provisional.Load() {
			cancel(nil) // WaitAnswer sends CANCEL and waits for the 487
			return
		}
		cancel(sipgo.WaitAnswerForceCancelErr)
	}
	stops := []func() bool{context.AfterFunc(ctx, giveUp)}
	if timeout > 0 {
		stops = append(stops, time.AfterFunc(timeout, giveUp).Stop)
	}
	return w, func() {
		for _, stop := range stops {
			stop()
		}
		cancel(nil)
	}
}

// seen is WaitAnswer's OnResponse hook: it notes the first provisional response.
func (w *answerWaiter) seen(res *sip.Response) error {
	if res.IsProvisional() {
		w.provisional.Store(true)
	}
	return nil
}

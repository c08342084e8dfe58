package b2bua

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
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
	m := s.mediaForTarget(r.Target)
	ep, err := m.Ports.Open()
	if err != nil {
		return nil, Status(sip.StatusServiceUnavailable, "Service Unavailable", err)
	}
	choice := r.Caller.Choice
	if choice.TelephoneEvent == nil {
		choice.TelephoneEvent = &sdpneg.Format{PayloadType: defaultEventPT, Name: "telephone-event", ClockRate: 8000, Fmtp: "0-16"}
	}
	out := &Outbound{leg: newLeg(log, ep, m.IP, choice, randomSessionID())}
	out.order.wait = s.opts.reorderWait
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
	// wait.ctx is ctx's, without its end: answerWait cancels the INVITE itself.
	//nolint:contextcheck // derived from ctx in answerWait
	if err := dlg.WaitAnswer(wait.ctx, sipgo.AnswerOptions{OnResponse: wait.seen}); err != nil {
		dlg.Close()
		if ctx.Err() != nil {
			// The owner gave up the dial (the caller hung up while the agent rang): the
			// INVITE was cancelled (RFC 3261 §9.1), which is no failure of the target.
			return fail(Status(sip.StatusRequestTerminated, "Request Terminated", fmt.Errorf("%w: %w", ErrDialAbandoned, err)))
		}
		return fail(answerError(err, wait.ctx)) //nolint:contextcheck // derived from ctx in answerWait
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
	ctx    context.Context
	cancel context.CancelCauseFunc

	mu          sync.Mutex
	provisional bool // a provisional response arrived: a CANCEL may be sent
	abandoned   bool // the owner gave up before one arrived: CANCEL when it does
}

// abandonGrace is how long a dial the owner gave up before any provisional response
// waits for one, so that it can still CANCEL (RFC 3261 §9.1 allows no CANCEL before a
// provisional response). It covers the INVITE's retransmissions at 0.5, 1 and 2 s (T1
// doubling, §17.1.1.2): a target that is there answers 100 or 180 by then.
const abandonGrace = 4 * time.Second

// answerWait ends the wait for an answer after timeout or when ctx ends. Once a
// provisional response has arrived, giving up sends CANCEL and waits for the 487. A
// target that has not answered anything at the answer timeout (nothing listens, or
// packets are lost) is given up at once, without a CANCEL, rather than after Timer B
// (32 s). When ctx ends first (the caller left) before any provisional response, the
// dial waits up to abandonGrace for one and cancels then, so a target that rings is
// never left ringing for nobody.
func answerWait(ctx context.Context, timeout time.Duration) (*answerWaiter, context.CancelFunc) {
	wctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	w := &answerWaiter{ctx: wctx, cancel: cancel}
	var grace *time.Timer
	abandon := func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.provisional {
			cancel(nil) // WaitAnswer sends CANCEL and waits for the 487
			return
		}
		w.abandoned = true
		grace = time.AfterFunc(abandonGrace, func() { cancel(sipgo.WaitAnswerForceCancelErr) })
	}
	expire := func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.provisional {
			cancel(nil)
			return
		}
		cancel(sipgo.WaitAnswerForceCancelErr)
	}
	stops := []func() bool{context.AfterFunc(ctx, abandon)}
	if timeout > 0 {
		stops = append(stops, time.AfterFunc(timeout, expire).Stop)
	}
	return w, func() {
		for _, stop := range stops {
			stop()
		}
		w.mu.Lock()
		if grace != nil {
			grace.Stop()
		}
		w.mu.Unlock()
		cancel(nil)
	}
}

// seen is WaitAnswer's OnResponse hook: it notes the first provisional response, and
// cancels a dial that was abandoned before it.
func (w *answerWaiter) seen(res *sip.Response) error {
	if !res.IsProvisional() {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.provisional = true
	if w.abandoned {
		w.cancel(nil)
	}
	return nil
}

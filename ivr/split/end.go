package split

import (
	"errors"
	"log/slog"
)

// EndReason says why a call ended. Every call ends with exactly one, which ServeCall
// returns after logging and counting it (consentgw_calls_ended_total{reason}).
type EndReason string

// The reasons a call ends, in the order of the phases that end it.
const (
	// EndRefused: the INVITE was answered with an error (End.Status), e.g. 404 when no
	// route matches the called number. Nothing was written.
	EndRefused EndReason = "refused"
	// EndCallerLeft: the caller hung up before the call was answered or during the IVR.
	EndCallerLeft EndReason = "caller_left"
	// EndCallerLeftRinging: the caller hung up while the agent leg rang; it was cancelled.
	EndCallerLeftRinging EndReason = "caller_left_ringing"
	// EndTargetFailed: the agent leg failed (End.Status: busy, unreachable, ...); the
	// caller leg was ended with BYE.
	EndTargetFailed EndReason = "target_failed"
	// EndCallerHungUp and EndAgentHungUp end a bridged call from either side.
	EndCallerHungUp EndReason = "caller_hung_up"
	EndAgentHungUp  EndReason = "agent_hung_up"
	// EndShutdown: the gateway stopped and ended the call with BYE to both legs.
	EndShutdown EndReason = "gateway_stopping"
)

// End is why a call ended.
type End struct {
	Reason EndReason
	// Status is the SIP status of a refusal or of the failed agent leg, 0 otherwise.
	Status int
	// Err says more, for the log.
	Err error
}

// level is how loud the end is in the log: a failing target is a warning, the rest is
// what calls do.
func (e End) level() slog.Level {
	if e.Reason == EndTargetFailed {
		return slog.LevelWarn
	}
	return slog.LevelInfo
}

// errCallerLeft is the cause of a call's context when the caller's dialog ended.
var errCallerLeft = errors.New("the caller's dialog ended")

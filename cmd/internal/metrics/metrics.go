// Package metrics holds the gateway's Prometheus metrics, on a registry of its own (no
// global default registry), and implements the call path's observer interface.
package metrics

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/consentgw/consentgw/consent"
)

// Metrics are the gateway's counters and gauges.
type Metrics struct {
	Registry *prometheus.Registry

	decisions        *prometheus.CounterVec
	dialFailures     *prometheus.CounterVec
	callerCancels    prometheus.Counter
	recordings       prometheus.Counter
	recordedSeconds  prometheus.Counter
	recordingDropped prometheus.Counter
	archived         *prometheus.CounterVec
	callControl      *prometheus.CounterVec
	sipRejected      *prometheus.CounterVec
	invitesRefused   *prometheus.CounterVec
	callsEnded       *prometheus.CounterVec
	recordingsFailed *prometheus.CounterVec
}

// Gauges read live values when Prometheus scrapes.
type Gauges struct {
	ActiveCalls, PortsInUse, SpoolBytes, ArchivePending func() float64
	// SpoolRoom is the bytes the spool may still take, SpoolFull 1 while it has less than
	// a call's worth, SpoolHeld the jobs waiting in memory for the spool's disk.
	SpoolRoom, SpoolFull, SpoolHeld func() float64
	// MediaRejected is the media plane's count of dropped datagrams by reason: the
	// packet path only adds to an atomic, and the counters are read at the scrape.
	MediaRejected func() map[string]uint64
}

// New registers the metrics, each with the label node="<node>" so that the series of a
// cluster's nodes stay apart wherever they are collected.
func New(node string, g Gauges) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentgw_consent_decisions_total", Help: "Consent decisions by outcome and how the digit arrived.",
		}, []string{"decision", "method"}),
		dialFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentgw_target_failures_total", Help: "Agent legs that failed, by SIP status.",
		}, []string{"status"}),
		callerCancels: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "consentgw_caller_cancels_total", Help: "Callers who hung up while the agent leg rang (its INVITE cancelled; not a target failure).",
		}),
		recordings: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "consentgw_recordings_started_total", Help: "Recordings started (granted calls bridged).",
		}),
		recordedSeconds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "consentgw_recorded_seconds_total", Help: "Seconds of stereo audio recorded.",
		}),
		recordingDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "consentgw_recorder_dropped_packets_total", Help: "Packets the recorder could not take (queue full or too late).",
		}),
		archived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentgw_archive_jobs_total", Help: "Objects stored, by kind and result.",
		}, []string{"kind", "result"}),
		callControl: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentgw_call_control_total", Help: "Recordings withdrawn, paused, resumed or auto-resumed during calls.",
		}, []string{"action"}),
		sipRejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentgw_sip_rejected_total", Help: "SIP requests refused before they became calls, by reason (untrusted, challenged, auth_failed, auth_blocked, rate_limited, max_calls, malformed, oversized, too_many_connections, slow_message, bad_request, panic, draining, spool_full).",
		}, []string{"reason"}),
		invitesRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentgw_invites_refused_total", Help: "INVITEs answered with an error after admission (an offer the gateway cannot take, no media port, no route), by SIP status.",
		}, []string{"status"}),
		callsEnded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentgw_calls_ended_total", Help: "Calls by why they ended (refused, caller_left, caller_left_ringing, target_failed, caller_hung_up, agent_hung_up, gateway_stopping).",
		}, []string{"reason"}),
		recordingsFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "consentgw_recordings_failed_total", Help: "Consenting calls whose recording could not start, failed during the call or could not be kept, by reason (spool_full, no_space, write_error, unrepairable).",
		}, []string{"reason"}),
	}
	prometheus.WrapRegistererWith(prometheus.Labels{"node": node}, reg).MustRegister(m.decisions, m.dialFailures, m.callerCancels, m.recordings, m.recordedSeconds, m.recordingDropped, m.archived, m.callControl, m.sipRejected,
		m.invitesRefused, m.callsEnded, m.recordingsFailed,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "consentgw_active_calls", Help: "Calls in progress."}, g.ActiveCalls),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "consentgw_rtp_port_pairs_in_use", Help: "RTP/RTCP port pairs held by calls."}, g.PortsInUse),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "consentgw_spool_bytes", Help: "Bytes in the spool: recordings in progress and objects waiting for the store."}, g.SpoolBytes),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "consentgw_archive_pending_jobs", Help: "Receipts and recordings waiting for the store."}, g.ArchivePending),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "consentgw_spool_room_bytes", Help: "Bytes the spool may still take: its filesystem's free space or what storage.spool_max_mb leaves, whichever is less."}, g.SpoolRoom),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "consentgw_spool_full", Help: "1 while the spool has less than a call's worth of room (storage.spool_reserve_mb): /readyz fails and new calls are refused or taken unrecorded."}, g.SpoolFull),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "consentgw_spool_held_jobs", Help: "Receipts and recordings the spool's disk refused, held in memory until it takes them."}, g.SpoolHeld),
		&labeledCounters{
			desc: prometheus.NewDesc("consentgw_media_rejected_total",
				"Datagrams dropped on media ports before anyone saw them, by reason (unexpected_source, malformed, stun, unauthenticated).",
				[]string{"reason"}, nil),
			read: g.MediaRejected,
		},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Decided counts a consent decision.
func (m *Metrics) Decided(d consent.Decision, method consent.Method) {
	m.decisions.WithLabelValues(string(d), string(method)).Inc()
}

// DialFailed counts an agent leg that failed with a SIP status.
func (m *Metrics) DialFailed(status int) {
	m.dialFailures.WithLabelValues(strconv.Itoa(status)).Inc()
}

// CallerCancelled counts a caller who left while the agent leg rang.
func (m *Metrics) CallerCancelled() { m.callerCancels.Inc() }

// RecordingStarted counts a recording.
func (m *Metrics) RecordingStarted() { m.recordings.Inc() }

// RecordingFinished adds a finished recording's length and losses.
func (m *Metrics) RecordingFinished(frames, dropped int64) {
	m.recordedSeconds.Add(float64(frames) / 8000)
	m.recordingDropped.Add(float64(dropped))
}

// Archived counts a stored (or failed) archive job.
func (m *Metrics) Archived(kind string, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.archived.WithLabelValues(kind, result).Inc()
}

// CallControl counts a withdrawal, pause or resume during a call.
func (m *Metrics) CallControl(action string) { m.callControl.WithLabelValues(action).Inc() }

// SIPRejected counts a SIP request refused at the edge; reason is one of the b2bua.Reject…
// constants or an Admission.Unavailable reason (spool_full), never anything taken from
// the request.
func (m *Metrics) SIPRejected(reason string) { m.sipRejected.WithLabelValues(reason).Inc() }

// InviteRefused counts an INVITE answered with an error after admission, by status.
func (m *Metrics) InviteRefused(status int) {
	m.invitesRefused.WithLabelValues(strconv.Itoa(status)).Inc()
}

// CallEnded counts a call by why it ended.
func (m *Metrics) CallEnded(reason string) { m.callsEnded.WithLabelValues(reason).Inc() }

// RecordingFailed counts a recording that could not start, failed or could not be kept.
func (m *Metrics) RecordingFailed(reason string) { m.recordingsFailed.WithLabelValues(reason).Inc() }

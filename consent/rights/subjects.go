// Package rights is the rights service of SPEC §6: it serves data-subject requests
// (erase, export) that CRMs and privacy teams send over NATS. A request names its subject
// by value; the service turns it into the subject key and finds the subject's objects
// through the subject index only. Each request_id is done once in effect: its result is
// stored (requests/) and a repeat returns it. Erase reaches every gateway node (calls
// being recorded right now, jobs still in a spool) through a NATS broadcast.
package rights

// NATS names of the API (SPEC §6).
const (
	// RPCPrefix + verb is the synchronous API (core request/reply, queue group QueueGroup).
	RPCPrefix = "consentgw.rpc."
	// RequestPrefix + verb is the durable API, kept by the stream Stream.
	RequestPrefix = "consentgw.requests."
	// Stream is the work-queue stream of durable requests.
	Stream = "CONSENTGW_REQUESTS"
	// QueueGroup shares the RPC work between gateways.
	QueueGroup = "consentgw"
	// Durable is the consumer all gateways pull durable requests from.
	Durable = "consentgw"
	// ControlErase is broadcast to every node (plain subscription, no queue group): stop
	// and discard a subject's live recordings and spooled jobs, and reply with the counts.
	ControlErase = "consentgw.control.erase"
)

package b2bua

import "github.com/emiago/sipgo/sip"

// EventKind says what happened on a leg's dialog.
type EventKind int

const (
	// EventInfo is an INFO request (already answered 200); ContentType and Body hold it.
	EventInfo EventKind = iota + 1
	// EventHold is a re-INVITE that changed the leg's media direction (hold or resume);
	// Direction is what the peer now does, so the other leg can be told the same.
	EventHold
)

// Event is something a leg's peer did in the dialog that the call's owner may act on.
type Event struct {
	Kind        EventKind
	ContentType string
	Body        []byte
	Direction   string
}

func infoEvent(req *sip.Request) Event {
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = h.Value()
	}
	return Event{Kind: EventInfo, ContentType: ct, Body: req.Body()}
}

package sdpneg

// Direction is the media direction attribute of RFC 3264 §5.1.
type Direction string

// The four direction attributes of RFC 4566 §6.
const (
	SendRecv Direction = "sendrecv"
	SendOnly Direction = "sendonly"
	RecvOnly Direction = "recvonly"
	Inactive Direction = "inactive"
)

func parseDirection(key string) (Direction, bool) {
	switch d := Direction(key); d {
	case SendRecv, SendOnly, RecvOnly, Inactive:
		return d, true
	}
	return "", false
}

// AnswerDirection is the direction an answerer that can both send and receive uses in
// reply to the offered one (RFC 3264 §6.1).
func AnswerDirection(offer Direction) Direction {
	switch offer {
	case SendOnly:
		return RecvOnly
	case RecvOnly:
		return SendOnly
	case Inactive:
		return Inactive
	default:
		return SendRecv
	}
}

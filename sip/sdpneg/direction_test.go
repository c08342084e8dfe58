package sdpneg

import "testing"

func TestAnswerDirectionMirrorsOffer(t *testing.T) {
	tests := map[Direction]Direction{
		SendRecv: SendRecv,
		SendOnly: RecvOnly,
		RecvOnly: SendOnly,
		Inactive: Inactive,
		"":       SendRecv,
	}
	for offer, want := range tests {
		if got := AnswerDirection(offer); got != want {
			t.Errorf("AnswerDirection(%q) = %q, want %q", offer, got, want)
		}
	}
}

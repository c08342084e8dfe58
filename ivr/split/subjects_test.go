package split

import (
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/consentgw/consentgw/consent/subject"
)

func testSubjects(t *testing.T) Subjects {
	t.Helper()
	p, err := subject.NewPseudonymizer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return Subjects{Pseudonyms: p, DefaultRegion: "DK", CustomerHeader: "X-Customer-ID"}
}

func invite(t *testing.T, headers ...sip.Header) *sip.Request {
	t.Helper()
	req := sip.NewRequest(sip.INVITE, uri(t, "sip:+4587654321@127.0.0.1"))
	for _, h := range headers {
		req.AppendHeader(h)
	}
	return req
}

func TestCallerSubjectPrefersPAssertedIdentityOverFrom(t *testing.T) {
	s := testSubjects(t)
	want, _ := s.Pseudonyms.NormalizedKey(subject.Subject{Type: subject.TypeTel, Value: "+4512345678"}, "DK")
	cases := map[string][]sip.Header{
		"PAI sip URI": {sip.NewHeader("From", "<sip:anonymous@trunk>;tag=1"), sip.NewHeader("P-Asserted-Identity", "\"Jens\" <sip:+4512345678@trunk>")},
		"PAI tel URI": {sip.NewHeader("From", "<sip:anonymous@trunk>;tag=1"), sip.NewHeader("P-Asserted-Identity", "<tel:+45-12-34-56-78>")},
		"From only":   {sip.NewHeader("From", "<sip:12345678@trunk>;tag=1")},
	}
	for name, headers := range cases {
		t.Run(name, func(t *testing.T) {
			refs := s.Caller(invite(t, headers...))
			if len(refs) != 1 || refs[0].Type != "tel" || refs[0].Key != want {
				t.Fatalf("subjects %+v, want tel %s", refs, want)
			}
		})
	}
}

func TestCustomerHeaderAddsACustomerSubject(t *testing.T) {
	s := testSubjects(t)
	refs := s.Caller(invite(t, sip.NewHeader("From", "<sip:+4512345678@trunk>;tag=1"), sip.NewHeader("X-Customer-ID", "C-1001")))
	if len(refs) != 2 || refs[1].Type != "customer" || len(refs[1].Key) != 64 {
		t.Fatalf("subjects %+v", refs)
	}
}

func TestAgentSubjectIsTheTargetUser(t *testing.T) {
	s := testSubjects(t)
	refs := s.Agent(uri(t, "sip:agents@127.0.0.1:5070"))
	want := s.Pseudonyms.Key(subject.Subject{Type: subject.TypeAgent, Value: "agents"})
	if len(refs) != 1 || refs[0].Key != want {
		t.Fatalf("subjects %+v", refs)
	}
}

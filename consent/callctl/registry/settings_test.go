package registry

import (
	"errors"
	"strings"
	"testing"
)

// A node whose subjects.hmac_key differs from the running nodes' is refused; once they
// all stopped cleanly, a new key (a rotation) is taken.
func TestANodeWithAnotherSettingIsRefused(t *testing.T) {
	js := jetStream(t)
	a := openOn(t, js, "gw-a", 0)
	b := openOn(t, js, "gw-b", 0)
	for _, r := range []*Registry{a, b, a} {
		if err := r.CheckSame(t.Context(), "subjects-key", "f1"); err != nil {
			t.Fatalf("%s: %v", r.o.Node, err)
		}
	}
	c := openOn(t, js, "gw-c", 0)
	err := c.CheckSame(t.Context(), "subjects-key", "f2")
	if !errors.Is(err, ErrSettingDiffers) || !strings.Contains(err.Error(), "gw-a") && !strings.Contains(err.Error(), "gw-b") {
		t.Fatalf("CheckSame with another value = %v, want %v naming a node", err, ErrSettingDiffers)
	}
	a.Close(t.Context(), true)
	b.Close(t.Context(), true)
	if err := c.CheckSame(t.Context(), "subjects-key", "f2"); err != nil {
		t.Fatalf("after every other node stopped: %v", err)
	}
}

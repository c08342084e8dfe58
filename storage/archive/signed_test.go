package archive

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/consentgw/consentgw/consent/signing"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/local"
)

func TestStoredReceiptsAreSigned(t *testing.T) {
	st, err := local.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := signing.NewKey(bytes.Repeat([]byte{3}, 32))
	done := make(chan string, 1)
	a, err := New(Options{Store: st, Logger: slog.New(slog.DiscardHandler), Dir: t.TempDir(), Signer: key,
		Observe: func(kind string, _ error) { done <- kind }})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	r := receipt()
	if err := a.Receipt(r); err != nil {
		t.Fatal(err)
	}
	waitFor(t, done, kindReceipt)
	rc, info, err := st.Get(t.Context(), storage.ReceiptKey(r.StartedAt, r.ID))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if _, err := (signing.KeySet{key.Public()}).Verify(signing.KindReceipt, body, info.Metadata[signing.MetaKey]); err != nil {
		t.Fatalf("stored receipt does not verify: %v (metadata %v)", err, info.Metadata)
	}
}

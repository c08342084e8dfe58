package archive

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/consentgw/consentgw/consent"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/index"
)

// Receipt spools a consent receipt; the worker stores it with an index entry for each of
// its subjects. It returns once the receipt is safe on local disk.
func (a *Archiver) Receipt(r consent.Receipt) error {
	return a.put(r.ID, kindReceipt, r)
}

func (a *Archiver) storeReceipt(ctx context.Context, j job) error {
	body, err := os.ReadFile(j.path)
	if err != nil {
		return a.drop(j, err)
	}
	var r consent.Receipt
	if err := json.Unmarshal(body, &r); err != nil {
		return a.drop(j, err)
	}
	if err := a.putReceipt(ctx, r, "", ""); err != nil {
		return err
	}
	return a.clear(j, body)
}

func (a *Archiver) putReceipt(ctx context.Context, r consent.Receipt, recordingKey, metaKey string) error {
	receiptKey := storage.ReceiptKey(r.StartedAt, r.ID)
	if err := a.putSigned(ctx, receiptKey, r); err != nil {
		return fmt.Errorf("storing receipt: %w", err)
	}
	for _, s := range r.Subjects {
		e := index.Entry{
			SubjectKey:    s.Key,
			SubjectType:   s.Type,
			ID:            r.ID,
			Receipt:       receiptKey,
			Recording:     recordingKey,
			RecordingMeta: metaKey,
			CreatedAt:     r.StartedAt,
		}
		if err := index.Put(ctx, a.o.Store, e); err != nil {
			return fmt.Errorf("storing subject index entry: %w", err)
		}
	}
	return nil
}

func (a *Archiver) putJSON(ctx context.Context, key string, v any) error {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return a.o.Store.Put(ctx, key, bytes.NewReader(body), int64(len(body)), storage.PutOptions{ContentType: "application/json"})
}

package rights

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
)

// readBundle opens an export through its file:// URL and checks its sha256.
func readBundle(t *testing.T, res ExportResult) (*zip.Reader, []byte) {
	t.Helper()
	u, err := url.Parse(res.URL)
	if err != nil || u.Scheme != "file" {
		t.Fatalf("url %q is not a file:// URL", res.URL)
	}
	body, err := os.ReadFile(u.Path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != res.SHA256 || int64(len(body)) != res.Size {
		t.Fatalf("bundle has sha256 %x and %d bytes; the result says %s and %d", sum, len(body), res.SHA256, res.Size)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	return zr, body
}

func zipFile(t *testing.T, zr *zip.Reader, name string) []byte {
	t.Helper()
	f, err := zr.Open(name)
	if err != nil {
		t.Fatalf("bundle lacks %s: %v", name, err)
	}
	defer f.Close()
	return readAll(t, f)
}

func TestExportBundlesTheSubjectsReceiptsAndRecordings(t *testing.T) {
	st := localStore(t)
	events := &sink{}
	svc := newService(t, st, events, nil)
	alice, _ := people(t, st)
	aliceKey := keyOf(t, subject.TypeTel, aliceNumber)

	res, err := svc.Export(t.Context(), Request{RequestID: "export-1", Subject: subject.Subject{Type: subject.TypeTel, Value: "0045 12345678"}, RequestedBy: "crm", Expires: 2 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusCompleted || res.Object != "exports/export-1.zip" || res.Recordings != 2 || res.Receipts != 3 || res.SubjectKey != aliceKey {
		t.Fatalf("result %+v", res)
	}
	if d := res.ExpiresAt.Sub(res.CompletedAt); d < time.Hour || d > 2*time.Hour {
		t.Errorf("expires %v after completion, want 2h", d)
	}
	zr, _ := readBundle(t, res)
	var m Manifest
	if err := json.Unmarshal(zipFile(t, zr, "manifest.json"), &m); err != nil {
		t.Fatal(err)
	}
	if m.Format != ManifestFormat || m.Request.RequestID != "export-1" || m.Request.RequestedBy != "crm" || m.Request.SubjectKey != aliceKey ||
		m.Purpose == "" || m.Retention == "" || len(m.Recipients) == 0 || len(m.Receipts) != 3 || len(m.Recordings) != 2 {
		t.Fatalf("manifest %+v", m)
	}
	for i, c := range []call{alice[0], alice[2]} {
		r := m.Recordings[i]
		if r.File != "recordings/"+c.id+".wav" || r.Size != int64(len(c.wav)) || len(r.Metadata) == 0 {
			t.Errorf("manifest recording %d: %+v", i, r)
		}
		if got := zipFile(t, zr, r.File); !bytes.Equal(got, c.wav) {
			t.Errorf("%s differs from the stored recording", r.File)
		}
	}
	for _, f := range zr.File {
		if bytes.Contains([]byte(f.Name), []byte(aliceNumber)) {
			t.Errorf("bundle file name %s holds the number", f.Name)
		}
	}
	if ev := events.kinds(audit.KindSubjectExported); len(ev) != 1 || !ev[0].sync {
		t.Fatalf("subject.exported events: %+v", ev)
	}

	again, err := svc.Export(t.Context(), Request{RequestID: "export-1", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}})
	if err != nil || again != res {
		t.Fatalf("repeat: %+v, %v; want the first result", again, err)
	}

	erased, err := svc.Erase(t.Context(), Request{RequestID: "erase-after-export", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}})
	if err != nil {
		t.Fatal(err)
	}
	if erased.ExportsDeleted != 1 || exists(t, st, res.Object) {
		t.Fatalf("erase left the subject's export bundle: %+v", erased)
	}
}

func TestExportOfUnknownSubjectIsAnEmptyBundle(t *testing.T) {
	st := localStore(t)
	svc := newService(t, st, &sink{}, nil)
	res, err := svc.Export(t.Context(), Request{RequestID: "nobody", Subject: subject.Subject{Type: subject.TypeCustomer, Value: "C-404"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Recordings != 0 || res.Receipts != 0 {
		t.Fatalf("result %+v", res)
	}
	zr, _ := readBundle(t, res)
	var m Manifest
	if err := json.Unmarshal(zipFile(t, zr, "manifest.json"), &m); err != nil || m.Receipts == nil || m.Recordings == nil {
		t.Fatalf("manifest %+v (%v): want empty lists, not null", m, err)
	}
}

// sizeRecorder notes the size each Put was given.
type sizeRecorder struct {
	storage.Store
	sizes map[string]int64
}

func (s *sizeRecorder) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) error {
	s.sizes[key] = size
	return s.Store.Put(ctx, key, r, size, opts)
}

func TestExportStreamsTheBundleIntoTheStore(t *testing.T) {
	st := &sizeRecorder{Store: localStore(t), sizes: map[string]int64{}}
	svc := newService(t, st, &sink{}, nil)
	people(t, st.Store)
	res, err := svc.Export(t.Context(), Request{RequestID: "stream", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}})
	if err != nil {
		t.Fatal(err)
	}
	if size := st.sizes[res.Object]; size != -1 {
		t.Fatalf("bundle was Put with size %d, want -1 (streamed, length unknown)", size)
	}
}

// failingPut fails Puts of export bundles after reading a little, as a store that goes
// away mid-upload.
type failingPut struct{ storage.Store }

func (f failingPut) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) error {
	if size == -1 {
		io.CopyN(io.Discard, r, 10)
		return errStoreDown
	}
	return f.Store.Put(ctx, key, r, size, opts)
}

func TestExportFailsCleanlyWhenTheStoreFails(t *testing.T) {
	st := localStore(t)
	svc := newService(t, failingPut{st}, &sink{}, nil)
	people(t, st)
	if _, err := svc.Export(t.Context(), Request{RequestID: "x", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}}); err == nil {
		t.Fatal("export succeeded although the bundle was not stored")
	}
	// The record keeps the failure for status, and no result a repeat could return.
	svc = newService(t, st, &sink{}, nil)
	rec, err := svc.loadRecord(t.Context(), "x")
	if err != nil || rec == nil || rec.Status != StateFailed || rec.Result != nil || rec.Error == "" {
		t.Fatalf("record after a failed export: %+v, %v", rec, err)
	}
}

func TestExpiredExportsAreDeleted(t *testing.T) {
	st := localStore(t)
	now := time.Now()
	svc := newService(t, st, &sink{}, nil)
	people(t, st)
	short, err := svc.Export(t.Context(), Request{RequestID: "short", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}, Expires: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	long, err := svc.Export(t.Context(), Request{RequestID: "long", Subject: subject.Subject{Type: subject.TypeTel, Value: aliceNumber}, Expires: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	n, err := ExpireExports(t.Context(), st, now.Add(2*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("ExpireExports = %d, %v; want 1", n, err)
	}
	if exists(t, st, short.Object) || !exists(t, st, long.Object) {
		t.Fatal("wrong bundle expired")
	}
}

package rights

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/consentgw/consentgw/consent/audit"
	"github.com/consentgw/consentgw/consent/signing"
	"github.com/consentgw/consentgw/consent/subject"
	"github.com/consentgw/consentgw/storage"
	"github.com/consentgw/consentgw/storage/index"
)

// MetaExpiresAt is the export bundle's metadata key holding when it expires (RFC 3339),
// read by ExpireExports for stores without lifecycle rules.
const MetaExpiresAt = "expires-at"

// presigner is a store that can sign a link for a chosen time (S3).
type presigner interface {
	PresignedURL(key string, expiry time.Duration) (string, error)
}

// exportCall is one of the subject's calls as the bundle holds it.
type exportCall struct {
	id        string
	receipt   json.RawMessage
	signature string // the receipt's, as stored
	metadata  json.RawMessage
	recording string
}

// Export writes the subject's bundle to exports/<request_id>.zip: the WAV files and
// manifest.json, streamed into the store as the zip is written (never the whole bundle
// in memory), its sha256 computed on the way. A request_id done before returns its first
// result (and publishes it as the event again).
func (s *Service) Export(ctx context.Context, req Request) (ExportResult, error) {
	return s.export(ctx, req, ViaDirect)
}

func (s *Service) export(ctx context.Context, req Request, via string) (ExportResult, error) {
	key, err := s.resolve(req)
	if err != nil {
		return ExportResult{}, err
	}
	return once(ctx, s, job[ExportResult]{
		verb: VerbExport, req: req, via: via, subjectKey: key,
		kind:   func(ExportResult) string { return audit.KindSubjectExported },
		status: func(ExportResult) string { return StatusCompleted },
		work: func(ctx context.Context, _ *record) (ExportResult, error) {
			return s.runExport(ctx, req, key)
		},
	})
}

func (s *Service) runExport(ctx context.Context, req Request, key string) (ExportResult, error) {
	entries, err := index.Lookup(ctx, s.o.Store, key)
	if err != nil {
		return ExportResult{}, fmt.Errorf("exporting: %w", err)
	}
	calls, err := s.gather(ctx, entries)
	if err != nil {
		return ExportResult{}, err
	}
	expires := req.Expires
	if expires <= 0 {
		expires = s.o.Export.Expires
	}
	now := s.now()
	object := storage.ExportKey(req.RequestID)
	marker := storage.IndexPrefix(key) + exportMarkerDir + req.RequestID + ".json"
	// The marker goes first: an erase that comes after a crash here still finds the bundle.
	if err := s.putJSON(ctx, marker,
		exportMarker{RequestID: req.RequestID, Export: object}); err != nil {
		return ExportResult{}, fmt.Errorf("noting the export under the subject: %w", err)
	}
	m := Manifest{
		Format:     ManifestFormat,
		Request:    ManifestRequest{RequestID: req.RequestID, RequestedBy: req.RequestedBy, SubjectType: string(req.Subject.Type), SubjectKey: key},
		CreatedAt:  now,
		Gateway:    s.o.Node,
		Purpose:    s.o.Export.Purpose,
		Recipients: s.o.Export.Recipients,
		Retention:  s.o.Export.Retention,
		Source:     manifestSource,
		Receipts:   []json.RawMessage{},
		Recordings: []ManifestRecording{},
	}
	sum, size, err := s.writeBundle(ctx, object, now.Add(expires), &m, calls)
	if err != nil {
		return ExportResult{}, err
	}
	// An erase of the subject that ran meanwhile deleted the marker before the bundle
	// existed: the bundle must go too, and the export is not done.
	if _, err := s.o.Store.Stat(ctx, marker); err != nil {
		if derr := s.o.Store.Delete(ctx, object); derr != nil {
			return ExportResult{}, fmt.Errorf("exporting: the subject was erased meanwhile and the bundle could not be deleted: %w", derr)
		}
		if errors.Is(err, storage.ErrNotFound) {
			return ExportResult{}, reject("the subject was erased while the export ran: nothing is left to export")
		}
		return ExportResult{}, fmt.Errorf("exporting: checking the export's marker: %w", err)
	}
	res := ExportResult{
		RequestID:   req.RequestID,
		Status:      StatusCompleted,
		Object:      object,
		URL:         s.url(object, expires),
		SHA256:      sum,
		Size:        size,
		Recordings:  len(m.Recordings),
		Receipts:    len(m.Receipts),
		ExpiresAt:   now.Add(expires),
		SubjectType: string(req.Subject.Type),
		SubjectKey:  key,
		RequestedBy: req.RequestedBy,
		CompletedAt: s.now(),
	}
	s.log.Info("subject exported", "request_id", req.RequestID, "subject", subject.Redact(key), "subject_type", req.Subject.Type,
		"recordings", res.Recordings, "receipts", res.Receipts, "bytes", res.Size, "object", object)
	return res, nil
}

// gather reads the receipts and recording metadata (small JSON) of the subject's calls.
// Objects gone meanwhile (erased, expired) are left out.
func (s *Service) gather(ctx context.Context, entries []index.Entry) ([]exportCall, error) {
	calls := make([]exportCall, len(entries))
	err := s.parallel(ctx, len(entries), func(ctx context.Context, i int) error {
		e := entries[i]
		c := exportCall{id: e.ID}
		var err error
		if c.receipt, c.signature, err = s.getRaw(ctx, e.Receipt); err != nil {
			return err
		}
		if e.Recording != "" && e.RecordingMeta != "" {
			if c.metadata, _, err = s.getRaw(ctx, e.RecordingMeta); err != nil {
				return err
			}
			if c.metadata != nil {
				c.recording = e.Recording
			}
		}
		calls[i] = c
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("exporting: %w", err)
	}
	return calls, nil
}

// getRaw returns a stored JSON object compacted and its signature, if it has one, or nil
// if it is gone.
func (s *Service) getRaw(ctx context.Context, key string) (json.RawMessage, string, error) {
	if key == "" {
		return nil, "", nil
	}
	rc, info, err := s.o.Store.Get(ctx, key)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, "", nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", key, err)
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, 4<<20))
	if err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", key, err)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return nil, "", fmt.Errorf("reading %s: %w", key, err)
	}
	return buf.Bytes(), info.Metadata[signing.MetaKey], nil
}

// writeBundle streams the zip through a pipe into the store; it returns the bundle's
// sha256 and size.
func (s *Service) writeBundle(ctx context.Context, object string, expiresAt time.Time, m *Manifest, calls []exportCall) (string, int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	h := sha256.New()
	counted := &countWriter{w: io.MultiWriter(pw, h)}
	written := make(chan error, 1)
	go func() {
		err := s.writeZip(ctx, counted, m, calls)
		pw.CloseWithError(err)
		written <- err
	}()
	err := s.o.Store.Put(ctx, object, pr, -1, storage.PutOptions{
		ContentType: "application/zip",
		Metadata:    map[string]string{MetaExpiresAt: expiresAt.UTC().Format(time.RFC3339)},
	})
	// A Put that gave up early must not leave the writer blocked on the pipe.
	pr.CloseWithError(errors.Join(err, io.ErrClosedPipe))
	cancel()
	if werr := <-written; werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		return "", 0, fmt.Errorf("writing export bundle %s: %w", object, err)
	}
	return hex.EncodeToString(h.Sum(nil)), counted.n, nil
}

// writeZip writes the WAVs, then manifest.json listing what the bundle really holds.
func (s *Service) writeZip(ctx context.Context, w io.Writer, m *Manifest, calls []exportCall) error {
	zw := zip.NewWriter(w)
	for _, c := range calls {
		if c.receipt != nil {
			m.Receipts = append(m.Receipts, c.receipt)
			if c.signature != "" {
				if m.ReceiptSignatures == nil {
					m.ReceiptSignatures = map[string]string{}
				}
				m.ReceiptSignatures[c.id] = c.signature
			}
		}
		if c.recording == "" {
			continue
		}
		if streams, ok := sealedStreams(c.metadata); ok {
			rec, err := s.copySealed(ctx, zw, c, streams, m.Request.SubjectKey)
			if errors.Is(err, storage.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			m.Recordings = append(m.Recordings, rec)
			continue
		}
		file := "recordings/" + path.Base(c.recording)
		n, err := s.copyObject(ctx, zw, c.recording, file)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		m.Recordings = append(m.Recordings, ManifestRecording{File: file, Size: n, Metadata: c.metadata})
	}
	ids, err := s.callerIDs(ctx, m.Receipts, m.Request.SubjectKey)
	if err != nil {
		return fmt.Errorf("opening the subject's Call-IDs: %w", err)
	}
	if len(ids) > 0 {
		m.CallIDs = ids
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding manifest: %w", err)
	}
	f, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.json", Method: zip.Deflate, Modified: m.CreatedAt})
	if err != nil {
		return err
	}
	if _, err := f.Write(body); err != nil {
		return err
	}
	return zw.Close()
}

// copyObject adds one stored object to the zip, uncompressed: WAV audio barely shrinks
// and storing it keeps an export of hours of calls cheap on CPU.
func (s *Service) copyObject(ctx context.Context, zw *zip.Writer, key, name string) (int64, error) {
	rc, info, err := s.o.Store.Get(ctx, key)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	f, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: info.Modified.UTC()})
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, rc)
	if err != nil {
		return n, fmt.Errorf("copying %s into the bundle: %w", key, err)
	}
	return n, nil
}

func (s *Service) url(object string, expires time.Duration) string {
	if p, ok := s.o.Store.(presigner); ok {
		u, err := p.PresignedURL(object, min(expires, maxExpires))
		if err == nil {
			return u
		}
		s.log.Warn("presigning the export link failed; using the store's default link", "object", object, "error", err)
	}
	return s.o.Store.URL(object)
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// ExpireExports deletes export bundles whose expires-at has passed, for a store without
// lifecycle rules (the local directory). It returns how many it deleted.
func ExpireExports(ctx context.Context, st storage.Store, now time.Time) (int, error) {
	objs, err := st.List(ctx, "exports/")
	if err != nil {
		return 0, fmt.Errorf("listing exports: %w", err)
	}
	n := 0
	for _, o := range objs {
		if !strings.HasSuffix(o.Key, ".zip") {
			continue
		}
		info, err := st.Stat(ctx, o.Key)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("expiring exports: %w", err)
		}
		at, err := time.Parse(time.RFC3339, info.Metadata[MetaExpiresAt])
		if err != nil || now.Before(at) {
			continue // no date of ours: not an export this gateway wrote
		}
		if err := st.Delete(ctx, o.Key); err != nil {
			return n, fmt.Errorf("expiring exports: %w", err)
		}
		n++
	}
	return n, nil
}

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// download fetches an export bundle from a presigned http(s) URL or a file:// URL into
// out, showing progress on stderr, and checks its sha256 before it is renamed into place.
func download(ctx context.Context, link, out, wantSHA256 string, size int64, stderr io.Writer) error {
	u, err := url.Parse(link)
	if err != nil {
		return fmt.Errorf("the gateway sent an unusable link: %w", err)
	}
	var src io.ReadCloser
	switch u.Scheme {
	case "file":
		f, err := os.Open(u.Path)
		if err != nil {
			return fmt.Errorf("opening the bundle %s (the local store must be on this machine): %w", u.Path, err)
		}
		src = f
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
		if err != nil {
			return fmt.Errorf("downloading the bundle: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("downloading the bundle from %s: %w", u.Host, err)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return fmt.Errorf("downloading the bundle from %s: HTTP %s", u.Host, resp.Status)
		}
		if size <= 0 {
			size = resp.ContentLength
		}
		src = resp.Body
	default:
		return fmt.Errorf("the gateway sent a %q link; want http, https or file", u.Scheme)
	}
	defer src.Close()

	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".part-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", out, err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	h := sha256.New()
	bar := &progress{w: stderr, total: size}
	_, err = io.Copy(io.MultiWriter(tmp, h, bar), src)
	bar.finish()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("downloading the bundle to %s: %w", out, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); wantSHA256 != "" && got != wantSHA256 {
		return fmt.Errorf("the downloaded bundle's sha256 is %s, the gateway says %s: not saved; run the export again", got, wantSHA256)
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return fmt.Errorf("saving %s: %w", out, err)
	}
	return nil
}

// progress draws a one-line bar on stderr, redrawn at most every refresh.
type progress struct {
	w     io.Writer
	total int64
	done  int64
	last  time.Time
}

const refresh = 100 * time.Millisecond

func (p *progress) Write(b []byte) (int, error) {
	p.done += int64(len(b))
	if now := time.Now(); now.Sub(p.last) >= refresh {
		p.last = now
		p.draw()
	}
	return len(b), nil
}

func (p *progress) draw() {
	const width = 30
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\rdownloading %s", mib(p.done))
		return
	}
	frac := min(float64(p.done)/float64(p.total), 1)
	filled := int(frac * width)
	bar := make([]byte, width)
	for i := range bar {
		bar[i] = ' '
		if i < filled {
			bar[i] = '#'
		}
	}
	fmt.Fprintf(p.w, "\rdownloading [%s] %3.0f%% %s of %s", bar, frac*100, mib(p.done), mib(p.total))
}

func (p *progress) finish() {
	p.draw()
	fmt.Fprintln(p.w)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

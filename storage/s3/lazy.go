package s3

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/consentgw/consentgw/storage"
)

// Lazy is an S3 store that connects in the background. The gateway starts and takes calls
// while the bucket is unreachable (receipts and recordings wait in its spool, /readyz says
// why), and uses the bucket as soon as it answers.
type Lazy struct {
	o      Options
	store  atomic.Pointer[Store]
	cancel context.CancelFunc
	done   chan struct{}

	mu           sync.Mutex
	exportExpiry time.Duration // applied once connected
	retention    *time.Duration
}

// Open starts connecting to S3 with o and returns at once.
func Open(o Options) *Lazy {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Lazy{o: o, cancel: cancel, done: make(chan struct{})}
	go l.connect(ctx)
	return l
}

func (l *Lazy) connect(ctx context.Context) {
	defer close(l.done)
	delay := time.Second
	for attempt := 1; ; attempt++ {
		attemptCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		st, err := New(attemptCtx, l.o)
		cancel()
		if err == nil {
			l.mu.Lock()
			if l.exportExpiry > 0 {
				if err := st.SetExportExpiry(ctx, l.exportExpiry); err != nil {
					l.o.Logger.Error("setting the exports expiry rule failed", "error", err)
				}
			}
			if l.retention != nil {
				if err := st.SetRetention(ctx, *l.retention); err != nil {
					l.o.Logger.Error("setting the retention rules failed", "error", err)
				}
			}
			l.store.Store(st)
			l.mu.Unlock()
			l.o.Logger.Info("S3 store connected", "endpoint", l.o.Endpoint, "bucket", l.o.Bucket, "attempts", attempt)
			return
		}
		if errors.Is(err, ErrInvalidOptions) {
			l.o.Logger.Error("S3 store cannot be used: fix storage.s3", "error", err)
			return
		}
		if attempt == 1 || attempt%10 == 0 {
			l.o.Logger.Error("S3 store unreachable; calls go on, objects wait in the spool", "endpoint", l.o.Endpoint, "attempt", attempt, "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 30*time.Second)
	}
}

// Close stops connecting.
func (l *Lazy) Close() error {
	l.cancel()
	<-l.done
	return nil
}

func (l *Lazy) get() (*Store, error) {
	if st := l.store.Load(); st != nil {
		return st, nil
	}
	return nil, ErrNotConnected
}

// SetExportExpiry sets the exports/ expiry rule now, or once connected.
func (l *Lazy) SetExportExpiry(ctx context.Context, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.exportExpiry = d
	if st := l.store.Load(); st != nil {
		return st.SetExportExpiry(ctx, d)
	}
	return nil
}

// SetRetention sets the retention rules now, or once connected.
func (l *Lazy) SetRetention(ctx context.Context, d time.Duration) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.retention = &d
	if st := l.store.Load(); st != nil {
		return st.SetRetention(ctx, d)
	}
	return nil
}

// Erase implements storage.Eraser.
func (l *Lazy) Erase(ctx context.Context, key string) (int, error) {
	st, err := l.get()
	if err != nil {
		return 0, err
	}
	return st.Erase(ctx, key)
}

// Put implements storage.Store.
func (l *Lazy) Put(ctx context.Context, key string, r io.Reader, size int64, opts storage.PutOptions) error {
	st, err := l.get()
	if err != nil {
		return err
	}
	return st.Put(ctx, key, r, size, opts)
}

// Get implements storage.Store.
func (l *Lazy) Get(ctx context.Context, key string) (io.ReadCloser, storage.ObjectInfo, error) {
	st, err := l.get()
	if err != nil {
		return nil, storage.ObjectInfo{}, err
	}
	return st.Get(ctx, key)
}

// Stat implements storage.Store.
func (l *Lazy) Stat(ctx context.Context, key string) (storage.ObjectInfo, error) {
	st, err := l.get()
	if err != nil {
		return storage.ObjectInfo{}, err
	}
	return st.Stat(ctx, key)
}

// Delete implements storage.Store.
func (l *Lazy) Delete(ctx context.Context, key string) error {
	st, err := l.get()
	if err != nil {
		return err
	}
	return st.Delete(ctx, key)
}

// List implements storage.Store.
func (l *Lazy) List(ctx context.Context, prefix string) ([]storage.ObjectInfo, error) {
	st, err := l.get()
	if err != nil {
		return nil, err
	}
	return st.List(ctx, prefix)
}

// Ping implements storage.Store.
func (l *Lazy) Ping(ctx context.Context) error {
	st, err := l.get()
	if err != nil {
		return err
	}
	return st.Ping(ctx)
}

// URL implements storage.Store.
func (l *Lazy) URL(key string) string {
	st, err := l.get()
	if err != nil {
		return ""
	}
	return st.URL(key)
}

// PresignedURL is Store.PresignedURL once connected.
func (l *Lazy) PresignedURL(key string, expiry time.Duration) (string, error) {
	st, err := l.get()
	if err != nil {
		return "", err
	}
	return st.PresignedURL(key, expiry)
}

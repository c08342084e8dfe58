package b2bua

import (
	"bufio"
	"crypto/tls"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// handshakeTimeout bounds how long a new WebSocket client may take to finish TLS and
	// start its HTTP upgrade.
	handshakeTimeout = 10 * time.Second
	// maxPendingConns bounds the connections waiting for that at once.
	maxPendingConns = 1024
)

// readyListener hands sipgo's WebSocket accept loop only connections that are ready to
// upgrade: TLS done (wss) and the first bytes of the HTTP request arrived, each within
// handshakeTimeout. sipgo upgrades inside its accept loop, so without this one silent
// client would hold up every browser behind it.
type readyListener struct {
	net.Listener
	tls     *tls.Config // nil for ws
	ready   chan net.Conn
	done    chan struct{}
	once    sync.Once
	pending atomic.Int64
	wg      sync.WaitGroup
}

func newReadyListener(ln net.Listener, cfg *tls.Config) *readyListener {
	l := &readyListener{Listener: ln, tls: cfg, ready: make(chan net.Conn), done: make(chan struct{})}
	l.wg.Add(1)
	go l.acceptLoop()
	return l
}

// Accept returns the next ready connection.
func (l *readyListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting and drops the connections still getting ready.
func (l *readyListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(func() { close(l.done) })
	l.wg.Wait()
	return err
}

func (l *readyListener) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			l.once.Do(func() { close(l.done) })
			return
		}
		if l.pending.Add(1) > maxPendingConns {
			l.pending.Add(-1)
			c.Close()
			continue
		}
		l.wg.Add(1)
		go l.prepare(c)
	}
}

func (l *readyListener) prepare(c net.Conn) {
	defer l.wg.Done()
	defer l.pending.Add(-1)
	_ = c.SetDeadline(time.Now().Add(handshakeTimeout))
	if l.tls != nil {
		tc := tls.Server(c, l.tls)
		if err := tc.Handshake(); err != nil {
			c.Close()
			return
		}
		c = tc
	}
	r := bufio.NewReader(c)
	if _, err := r.Peek(1); err != nil {
		c.Close()
		return
	}
	_ = c.SetDeadline(time.Time{})
	select {
	case l.ready <- &peekedConn{Conn: c, r: r}:
	case <-l.done:
		c.Close()
	}
}

// peekedConn is a connection whose first bytes were read ahead into r.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(b []byte) (int, error) { return c.r.Read(b) }

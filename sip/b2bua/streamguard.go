package b2bua

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

const (
	// messageTimeout is how long a SIP message on a stream (TCP, TLS) may take from its
	// first byte to its last: a real peer writes a message at once, a slowloris client
	// never finishes one. For a new TLS connection it also covers the handshake.
	messageTimeout = 5 * time.Second
	// maxStreamsPerSource caps the TCP, TLS and WebSocket connections one address may
	// hold open: enough for an SBC's pool, too few to exhaust the gateway's descriptors.
	maxStreamsPerSource = 32
)

// streamGuard counts the connections of each source address.
type streamGuard struct {
	mu    sync.Mutex
	open  map[netip.Addr]int
	limit int
}

func newStreamGuard(limit int) *streamGuard {
	return &streamGuard{open: make(map[netip.Addr]int), limit: limit}
}

// take counts a new connection from src in, unless src holds its limit already.
func (g *streamGuard) take(src netip.Addr) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open[src] >= g.limit {
		return false
	}
	g.open[src]++
	return true
}

func (g *streamGuard) count(src netip.Addr) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open[src]
}

func (g *streamGuard) release(src netip.Addr) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open[src]--; g.open[src] <= 0 {
		delete(g.open, src)
	}
}

// guardedListener refuses connections over a source's limit at once, and gives every
// accepted one messageTimeout per message when timed is set (TCP and TLS; a WebSocket
// stream is framed and masked, see readyListener for its upgrade).
type guardedListener struct {
	net.Listener
	guard    *streamGuard
	timed    bool
	rejected func(reason string)
}

// guard wraps a stream listener with the server's per-source cap, and with message
// timing when timed.
func (s *Server) guard(ln net.Listener, timed bool) net.Listener {
	return &guardedListener{Listener: ln, guard: s.streams, timed: timed, rejected: s.opts.Admission.rejected}
}

func (l *guardedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		src := remoteIP(c)
		if !l.guard.take(src) {
			// Counted before the close: whoever sees the connection end sees the count.
			l.rejected(RejectTooManyStreams)
			c.Close()
			continue
		}
		gc := &guardedConn{Conn: c, src: src, guard: l.guard, rejected: l.rejected}
		if l.timed {
			gc.msg = &messageClock{timeout: messageTimeout}
			gc.msg.arm(c) // a connection must start its first message (or TLS) at once
		}
		return gc, nil
	}
}

func remoteIP(c net.Conn) netip.Addr {
	if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

// guardedConn gives its source's slot back when closed.
type guardedConn struct {
	net.Conn
	src      netip.Addr
	guard    *streamGuard
	msg      *messageClock // nil: untimed
	rejected func(reason string)
	once     sync.Once
}

func (c *guardedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.msg == nil {
		return n, err
	}
	if n > 0 {
		c.msg.scan(c.Conn, b[:n])
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		// Only a message under way has a deadline: sipgo closes the connection on it.
		c.rejected(RejectSlowMessage)
	}
	return n, err
}

func (c *guardedConn) Close() error {
	c.once.Do(func() { c.guard.release(c.src) })
	return c.Conn.Close()
}

// messageClock follows the messages of one stream closely enough to time them: a
// message starts at its first byte other than CRLF (RFC 5626 §4.4.1 keep-alives are
// CRLFs), its header ends at the first empty line, and its body is Content-Length
// bytes (RFC 3261 §18.3, §20.14). While a message is under way the connection has a
// read deadline messageTimeout after its start; between messages it has none.
type messageClock struct {
	timeout time.Duration
	inMsg   bool
	header  []byte // the header so far, to find its end and its Content-Length
	body    int    // body bytes still to come
}

func (m *messageClock) arm(c net.Conn) { _ = c.SetReadDeadline(time.Now().Add(m.timeout)) }

func (m *messageClock) scan(c net.Conn, b []byte) {
	for len(b) > 0 {
		switch {
		case m.body > 0:
			k := min(m.body, len(b))
			m.body -= k
			b = b[k:]
			if m.body == 0 {
				m.done(c)
			}
		case !m.inMsg:
			b = bytes.TrimLeft(b, "\r\n")
			if len(b) > 0 {
				m.inMsg = true
				m.header = m.header[:0]
				m.arm(c)
			}
		default:
			b = m.scanHeader(c, b)
		}
	}
}

// scanHeader takes header bytes up to the empty line that ends the header and returns
// what follows it.
func (m *messageClock) scanHeader(c net.Conn, b []byte) []byte {
	from := max(len(m.header)-3, 0)
	if len(m.header)+len(b) > MaxMessageBytes {
		m.header = append(m.header[:0], m.header[from:]...) // the parser refuses it anyway
		from = 0
	}
	m.header = append(m.header, b...)
	end := bytes.Index(m.header[from:], []byte("\r\n\r\n"))
	if end < 0 {
		return nil
	}
	end += from + 4
	rest := b[len(b)-(len(m.header)-end):]
	m.body = contentLength(m.header[:end])
	if m.body == 0 {
		m.done(c)
	}
	return rest
}

func (m *messageClock) done(c net.Conn) {
	m.inMsg = false
	_ = c.SetReadDeadline(time.Time{})
}

// contentLength reads the Content-Length (or its compact form "l") of a header; 0 when
// absent or unreadable (the parser then judges the message).
func contentLength(header []byte) int {
	for _, line := range bytes.Split(header, []byte("\r\n")) {
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		if bytes.EqualFold(name, []byte("Content-Length")) || bytes.EqualFold(name, []byte("l")) {
			n, err := strconv.Atoi(string(bytes.TrimSpace(value)))
			if err != nil || n < 0 || n > MaxMessageBytes {
				return 0
			}
			return n
		}
	}
	return 0
}

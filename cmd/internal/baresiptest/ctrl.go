package baresiptest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
)

// maxFrame bounds one ctrl_tcp message; baresip's events are a few hundred bytes.
const maxFrame = 1 << 20

// Event is one event baresip's ctrl_tcp module reports, e.g. CALL_INCOMING,
// CALL_ESTABLISHED, CALL_CLOSED, CALL_DTMF_START.
type Event struct {
	Type       string `json:"type"`
	Class      string `json:"class"`
	AccountAOR string `json:"accountaor"`
	Direction  string `json:"direction"`
	PeerURI    string `json:"peeruri"`
	ID         string `json:"id"`
	Param      string `json:"param"`
}

// frame is anything ctrl_tcp sends: an event or the response to a command.
type frame struct {
	Event
	IsEvent    bool   `json:"event"`
	IsResponse bool   `json:"response"`
	OK         bool   `json:"ok"`
	Data       string `json:"data"`
	Token      string `json:"token"`
}

type response struct {
	ok   bool
	data string
}

// ctrl is a connection to ctrl_tcp: commands and events as JSON in netstrings
// (https://cr.yp.to/proto/netstrings.txt).
type ctrl struct {
	conn net.Conn

	mu      sync.Mutex
	next    int
	pending map[string]chan response
	events  []Event
	changed chan struct{} // closed and replaced when events grow or the connection ends
	err     error         // why the connection ended
}

func dialCtrl(addr string) (*ctrl, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to ctrl_tcp at %s: %w", addr, err)
	}
	c := &ctrl{conn: conn, pending: map[string]chan response{}, changed: make(chan struct{})}
	go c.read()
	return c, nil
}

func (c *ctrl) read() {
	r := bufio.NewReader(c.conn)
	for {
		body, err := readNetstring(r)
		if err != nil {
			c.fail(err)
			return
		}
		var f frame
		if err := json.Unmarshal(body, &f); err != nil {
			c.fail(fmt.Errorf("decoding %q: %w", body, err))
			return
		}
		c.mu.Lock()
		switch {
		case f.IsEvent:
			c.events = append(c.events, f.Event)
			close(c.changed)
			c.changed = make(chan struct{})
		case f.IsResponse:
			if ch, ok := c.pending[f.Token]; ok {
				delete(c.pending, f.Token)
				ch <- response{ok: f.OK, data: f.Data}
			}
		}
		c.mu.Unlock()
	}
}

func (c *ctrl) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.changed)
	}
}

// send writes a command and returns the channel its response arrives on.
func (c *ctrl) send(command, params string) (<-chan response, error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	c.next++
	token := strconv.Itoa(c.next)
	ch := make(chan response, 1)
	c.pending[token] = ch
	c.mu.Unlock()
	body, err := json.Marshal(map[string]string{"command": command, "params": params, "token": token})
	if err != nil {
		return nil, fmt.Errorf("encoding command %s: %w", command, err)
	}
	if _, err := fmt.Fprintf(c.conn, "%d:%s,", len(body), body); err != nil {
		return nil, fmt.Errorf("sending command %s: %w", command, err)
	}
	return ch, nil
}

// snapshot returns the events so far, the channel that signals the next change, and
// the error that ended the connection, if any.
func (c *ctrl) snapshot() ([]Event, <-chan struct{}, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events, c.changed, c.err
}

func (c *ctrl) close() { c.conn.Close() }

// readNetstring reads one "<len>:<body>," frame.
func readNetstring(r *bufio.Reader) ([]byte, error) {
	head, err := r.ReadString(':')
	if err != nil {
		return nil, fmt.Errorf("reading from ctrl_tcp: %w", err)
	}
	n, err := strconv.Atoi(head[:len(head)-1])
	if err != nil || n < 0 || n > maxFrame {
		return nil, fmt.Errorf("length %q: %w", head, ErrBadNetstring)
	}
	buf := make([]byte, n+1)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("reading a %d-byte frame: %w", n, err)
	}
	if buf[n] != ',' {
		return nil, fmt.Errorf("frame ends with %q: %w", buf[n], ErrBadNetstring)
	}
	return buf[:n], nil
}

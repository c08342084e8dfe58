package media

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readable is what a poller calls when a registered socket has a datagram queued. It
// runs on the poller's worker goroutine: it must not block.
type readable interface {
	readReady()
}

// Poller waits on every call's media sockets with a few epoll sets, one worker goroutine
// per core, instead of a goroutine per socket: a packet wakes nobody, and under load one
// epoll_wait hands a worker dozens of ready sockets at once. Each epoll fd is itself
// registered with Go's netpoller, so an idle worker parks like any goroutine blocked on
// a socket and no OS thread sits in a blocking syscall.
type Poller struct {
	workers []*pollWorker
	next    uint32
	mu      sync.Mutex
	closed  bool
	wg      sync.WaitGroup
}

// newPoller starts n workers.
func newPoller(n int) (*Poller, error) {
	if n < 1 {
		n = 1
	}
	p := &Poller{}
	for range n {
		w, err := newPollWorker()
		if err != nil {
			p.Close()
			return nil, err
		}
		p.workers = append(p.workers, w)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			w.run()
		}()
	}
	return p, nil
}

// defaultWorkers is one worker per core the runtime may use.
func defaultWorkers() int { return runtime.GOMAXPROCS(0) }

// Close stops the workers. Sockets still registered are left to their owners to close.
func (p *Poller) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	for _, w := range p.workers {
		_ = w.control(pollOp{stop: true})
	}
	p.wg.Wait()
}

// pick chooses the worker for a new registration, round robin.
func (p *Poller) pick() *pollWorker {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.workers[p.next%uint32(len(p.workers))]
	p.next++
	return w
}

// pollOp changes a worker's set. The worker applies it itself, between two sockets'
// reads, so the fd table needs no lock on the packet path.
type pollOp struct {
	fd   int
	r    readable // nil: remove fd
	stop bool
	done chan error // the result, once applied
}

type pollWorker struct {
	epfd  int
	file  *os.File // epfd, registered with the runtime's netpoller
	raw   syscall.RawConn
	wake  int // eventfd: control ops are pending
	table []readable

	mu     sync.Mutex
	ops    []pollOp
	dead   bool          // under mu: wake is closed
	exited chan struct{} // closed when run returns: nobody applies ops any more
}

func newPollWorker() (*pollWorker, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("media: epoll: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("media: eventfd: %w", err)
	}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}); err != nil {
		unix.Close(epfd)
		unix.Close(wake)
		return nil, fmt.Errorf("media: epoll add: %w", err)
	}
	// A non-blocking fd given to os.NewFile joins the runtime's netpoller; an epoll fd
	// polls readable while it has ready events.
	if err := unix.SetNonblock(epfd, true); err != nil {
		unix.Close(epfd)
		unix.Close(wake)
		return nil, fmt.Errorf("media: epoll nonblock: %w", err)
	}
	f := os.NewFile(uintptr(epfd), "media-epoll")
	raw, err := f.SyscallConn()
	if err != nil {
		f.Close()
		unix.Close(wake)
		return nil, fmt.Errorf("media: epoll rawconn: %w", err)
	}
	return &pollWorker{epfd: epfd, file: f, raw: raw, wake: wake, exited: make(chan struct{})}, nil
}

// add registers fd; its datagrams go to r from then on.
func (w *pollWorker) add(fd int, r readable) error { return w.control(pollOp{fd: fd, r: r}) }

// remove takes fd out of the set. When it returns the worker no longer calls the fd's
// readable, and the fd may be closed.
func (w *pollWorker) remove(fd int) { w.control(pollOp{fd: fd}) }

// control queues op, wakes the worker and waits until it was applied.
func (w *pollWorker) control(op pollOp) error {
	op.done = make(chan error, 1)
	w.mu.Lock()
	if w.dead {
		w.mu.Unlock()
		return ErrPoolClosed // a late call after the pool's Close: its sockets are not read
	}
	w.ops = append(w.ops, op)
	one := [8]byte{1} // eventfd adds a host-order uint64; any nonzero value wakes it
	unix.Write(w.wake, one[:])
	w.mu.Unlock()
	select {
	case err := <-op.done:
		return err
	case <-w.exited:
		return ErrPoolClosed
	}
}

// run is the worker: drain every ready event, then park until the epoll set is readable
// again. Edge-triggered wake-ups from the runtime's poller are safe because the set is
// only left when epoll_wait returned nothing.
func (w *pollWorker) run() {
	defer close(w.exited)
	defer w.file.Close()
	defer func() {
		w.mu.Lock()
		w.dead = true
		unix.Close(w.wake)
		w.mu.Unlock()
	}()
	events := make([]unix.EpollEvent, 256)
	stop := false
	err := w.raw.Read(func(epfd uintptr) bool {
		for {
			n, _, errno := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, epfd,
				uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0) // timeout 0, no sigmask
			if errno == syscall.EINTR {
				continue
			}
			if errno != 0 || n == 0 {
				return stop
			}
			for _, ev := range events[:n] {
				fd := int(ev.Fd)
				if fd == w.wake {
					stop = w.applyOps() || stop
					continue
				}
				if fd < len(w.table) {
					if r := w.table[fd]; r != nil {
						r.readReady()
					}
				}
			}
			if stop {
				return true
			}
		}
	})
	if err != nil && !errors.Is(err, os.ErrClosed) {
		panic(fmt.Sprintf("media poller: %v", err)) // the epoll fd itself failed: nothing can be relayed
	}
}

// applyOps runs the queued control ops; true when the worker must stop.
func (w *pollWorker) applyOps() bool {
	var counter [8]byte
	unix.Read(w.wake, counter[:])
	w.mu.Lock()
	ops := w.ops
	w.ops = nil
	w.mu.Unlock()
	stop := false
	for _, op := range ops {
		var err error
		switch {
		case op.stop:
			stop = true
		case op.r != nil:
			// Level-triggered: a socket with datagrams left after one read is reported
			// again by the next epoll_wait.
			if err = unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, op.fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(op.fd)}); err != nil {
				err = fmt.Errorf("media: epoll add: %w", err)
				break
			}
			for op.fd >= len(w.table) {
				w.table = append(w.table, nil)
			}
			w.table[op.fd] = op.r
		default:
			unix.EpollCtl(w.epfd, unix.EPOLL_CTL_DEL, op.fd, nil) // not registered after a failed add: fine
			if op.fd < len(w.table) {
				w.table[op.fd] = nil
			}
		}
		op.done <- err
	}
	return stop
}

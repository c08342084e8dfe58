package media

import (
	"fmt"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// udpSocket is a non-blocking UDP socket kept outside Go's netpoller: a media poller
// waits on many of them with one epoll set, so a packet costs a recvfrom and no goroutine
// wake-up. Reads and writes never block (MSG_DONTWAIT); a full send buffer drops the
// packet, as the network would.
type udpSocket struct {
	fd     int
	family int // AF_INET or AF_INET6, from the address it is bound to
	local  netip.AddrPort
}

// bindUDP opens a socket bound to addr. An IPv6 (or unspecified IPv6) address gets an
// AF_INET6 socket, which also reaches IPv4 peers through mapped addresses.
func bindUDP(addr netip.AddrPort) (*udpSocket, error) {
	family := unix.AF_INET
	if !addr.Addr().Is4() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("media: udp socket: %w", err)
	}
	s := &udpSocket{fd: fd, family: family, local: addr}
	to := s.sockaddr(addr)
	if _, _, errno := syscall.Syscall(syscall.SYS_BIND, uintptr(fd), uintptr(unsafe.Pointer(&to.sa)), uintptr(to.len)); errno != 0 {
		unix.Close(fd)
		return nil, fmt.Errorf("media: bind %v: %w", addr, errno)
	}
	return s, nil
}

func (s *udpSocket) close() { unix.Close(s.fd) }

// rawAddr is a socket address in the kernel's own layout, built once per peer so a send
// needs no conversion and no allocation.
type rawAddr struct {
	sa  unix.RawSockaddrInet6 // large enough for sockaddr_in too
	len uint32
}

// sockaddr lays addr out for this socket's family (IPv4 peers of an IPv6 socket as
// ::ffff:a.b.c.d, RFC 4291 §2.5.5.2). addr must be one the socket reaches: SetRemote
// checks that before it gets here, and a latch takes what the socket itself received.
func (s *udpSocket) sockaddr(addr netip.AddrPort) rawAddr {
	var r rawAddr
	port := addr.Port()
	if s.family == unix.AF_INET {
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&r.sa))
		sa.Family = unix.AF_INET
		sa.Addr = addr.Addr().Unmap().As4()
		putPort(&sa.Port, port)
		r.len = unix.SizeofSockaddrInet4
		return r
	}
	r.sa.Family = unix.AF_INET6
	r.sa.Addr = addr.Addr().As16()
	putPort(&r.sa.Port, port)
	r.len = unix.SizeofSockaddrInet6
	return r
}

// putPort stores port in network byte order.
func putPort(p *uint16, port uint16) {
	b := (*[2]byte)(unsafe.Pointer(p))
	b[0], b[1] = byte(port>>8), byte(port)
}

// addrPort reads a kernel-filled address back.
func (r *rawAddr) addrPort() netip.AddrPort {
	b := (*[2]byte)(unsafe.Pointer(&r.sa.Port))
	port := uint16(b[0])<<8 | uint16(b[1])
	if r.sa.Family == unix.AF_INET {
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&r.sa))
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), port)
	}
	return netip.AddrPortFrom(netip.AddrFrom16(r.sa.Addr).Unmap(), port)
}

// recvFrom reads one datagram; syscall.EAGAIN when none is queued. The calls are
// non-blocking, so the runtime needs no notice of them (RawSyscall).
func (s *udpSocket) recvFrom(buf []byte, from *rawAddr) (int, error) {
	from.len = unix.SizeofSockaddrInet6
	n, _, errno := syscall.RawSyscall6(syscall.SYS_RECVFROM, uintptr(s.fd),
		uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)), unix.MSG_DONTWAIT,
		uintptr(unsafe.Pointer(&from.sa)), uintptr(unsafe.Pointer(&from.len)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// sendTo writes one datagram to to. The socket is never connected (see
// Endpoint.screen), so each send names its peer.
func (s *udpSocket) sendTo(b []byte, to *rawAddr) error {
	if len(b) == 0 {
		return nil
	}
	_, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(s.fd),
		uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)), unix.MSG_DONTWAIT,
		uintptr(unsafe.Pointer(&to.sa)), uintptr(to.len))
	if errno != 0 {
		return errno
	}
	return nil
}

package sipptest

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const freePortAttempts = 200

// FreePort returns a loopback port that is free right now for network "udp"
// or "tcp". A UDP port is even and the three above it are free too, because
// SIPp binds its media port and media port + 2 (RTP/RTCP pairs, RFC 3550 §11).
func FreePort(t testing.TB, network string) int {
	t.Helper()
	port, err := freePort(network)
	if err != nil {
		t.Fatalf("finding a free %s port: %v", network, err)
	}
	return port
}

// freePortApart is FreePort for UDP with none of its four ports in taken.
func freePortApart(t testing.TB, taken []int) int {
	t.Helper()
	for range freePortAttempts {
		port := FreePort(t, "udp")
		if !slices.ContainsFunc(taken, func(p int) bool { return p >= port && p < port+4 }) {
			return port
		}
	}
	t.Fatalf("finding a free udp port apart from %v: %v", taken, ErrNoFreePort)
	return 0
}

func freePort(network string) (int, error) {
	for range freePortAttempts {
		port, err := ephemeralPort(network)
		if err != nil {
			return 0, err
		}
		if network != "udp" {
			return port, nil
		}
		if port%2 != 0 || port+3 > 65535 {
			continue
		}
		if portsFree(network, port, 4) {
			return port, nil
		}
	}
	return 0, fmt.Errorf("after %d attempts: %w", freePortAttempts, ErrNoFreePort)
}

// ephemeralPort lets the kernel pick a port and releases it.
func ephemeralPort(network string) (int, error) {
	switch network {
	case "udp":
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("binding a udp port: %w", err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	case "tcp":
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("binding a tcp port: %w", err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port, nil
	default:
		return 0, fmt.Errorf("network %q: want udp or tcp: %w", network, ErrNoFreePort)
	}
}

// portsFree reports whether n consecutive ports from first can all be bound.
func portsFree(network string, first, n int) bool {
	for p := first; p < first+n; p++ {
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p))
		if network == "udp" {
			c, err := net.ListenPacket("udp4", addr)
			if err != nil {
				return false
			}
			c.Close()
			continue
		}
		l, err := net.Listen("tcp4", addr)
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

// portBound reports whether some socket is bound to the local port: for UDP
// any socket, for TCP a listening one. It reads /proc/net rather than trying
// to bind, so it cannot steal the port from the process being waited for.
func portBound(network string, port int) (bool, error) {
	files := []string{"/proc/net/" + network, "/proc/net/" + network + "6"}
	for _, name := range files {
		found, err := procNetHasPort(name, network, port)
		if err != nil {
			return false, err
		}
		if found {
			return true, nil
		}
	}
	return false, nil
}

// tcpListen is the TCP_LISTEN state as /proc/net/tcp prints it.
const tcpListen = "0A"

func procNetHasPort(name, network string, port int) (bool, error) {
	f, err := os.Open(name)
	if os.IsNotExist(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading %s: %w", name, err)
	}
	defer f.Close()
	return parseProcNet(bufio.NewScanner(f), network, port)
}

// parseProcNet scans /proc/net/{udp,tcp}[6] lines: "sl local rem st ...",
// where local is HEXADDR:HEXPORT.
func parseProcNet(sc *bufio.Scanner, network string, port int) (bool, error) {
	want := fmt.Sprintf(":%04X", port)
	first := true
	for sc.Scan() {
		if first { // header line
			first = false
			continue
		}
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 {
			continue
		}
		if !strings.HasSuffix(fields[1], want) {
			continue
		}
		if network == "tcp" && fields[3] != tcpListen {
			continue
		}
		return true, nil
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("scanning /proc/net/%s: %w", network, err)
	}
	return false, nil
}

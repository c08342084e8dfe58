package sipptest

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

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

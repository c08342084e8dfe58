package sipptest

import (
	"bufio"
	"net"
	"strings"
	"testing"
)

func TestPortBoundSeesAListeningSocket(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	bound, err := portBound("tcp", port)
	if err != nil || !bound {
		t.Fatalf("portBound(tcp, %d) = %v, %v; want true", port, bound, err)
	}

	c, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	uport := c.LocalAddr().(*net.UDPAddr).Port
	bound, err = portBound("udp", uport)
	if err != nil || !bound {
		t.Fatalf("portBound(udp, %d) = %v, %v; want true", uport, bound, err)
	}
}

func TestParseProcNet(t *testing.T) {
	const udp = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  1: 0100007F:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 1 2 0000000000000000 0
`
	const tcp = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:13C4 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1
   1: 0100007F:13C6 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2
`
	tests := []struct {
		name, table, network string
		port                 int
		want                 bool
	}{
		{"udp bound", udp, "udp", 5060, true},
		{"udp other port", udp, "udp", 5062, false},
		{"tcp connected only", tcp, "tcp", 5060, false},
		{"tcp listening", tcp, "tcp", 5062, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProcNet(bufio.NewScanner(strings.NewReader(tt.table)), tt.network, tt.port)
			if err != nil || got != tt.want {
				t.Errorf("parseProcNet = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// Package testports hands out loopback ports to tests: for the processes they start
// (SIPp, baresip, Kamailio, MinIO, nats-server) and for in-process servers that must be
// told their port before they bind it (a gateway's SIP, HTTP, NATS and media range).
//
// A port picked by binding ":0" and releasing it is free only for that instant: the kernel
// offers the same one to the next test that asks, and any outgoing connection may take
// it. When packages run in parallel (go test runs one process per package) two harnesses
// then start their servers on one port, and SIPp exits "Unable to bind video RTP socket".
// Three rules keep reservations apart:
//
//   - Ports come from a range no one else picks from by default: below the gateway's
//     default media range (20000-40000) and the kernel's ephemeral range (from
//     /proc/sys/net/ipv4/ip_local_port_range, 32768 and up on Linux), so neither a
//     connection nor a media pool of a test gateway takes one.
//   - Across processes, the range is split into blocks of 64 ports, and a process takes a
//     block by holding an exclusive flock(2) on a file named after it in a shared
//     directory. The kernel drops the lock when the process exits, even when it crashes,
//     so a lock is never stale. A process starts looking at a random block, so parallel
//     processes rarely contend for one.
//   - Within a process, one allocator (shared by every harness in the test binary) hands
//     out each port once until the test that reserved it ends, and probes every port of a
//     reservation by binding it on the wildcard address for each transport asked for, so
//     a port someone outside this scheme holds (on any local address) is skipped.
//
// A reservation starts at an even port (RTP on the even port, RTCP on the odd one, RFC
// 3550 §11) and holds every port the process binds: SIPp's four media ports, baresip's
// SIP, TLS and RTP ports, a gateway's whole media range.
package testports

// Package media is the gateway's anchored media plane: RTP/RTCP socket pairs taken from a
// port pool, symmetric RTP latching, and the poller that reads every leg's sockets and
// hands each RTP packet to whoever owns the leg at that moment (the consent IVR, then the
// bridge). The poller is built on epoll, so the package (and the gateway) needs Linux.
//
// Both legs of a call stay anchored on the gateway for the whole call (SPEC §4), so the
// gateway can play the prompt, listen for digits and record without re-INVITEs.
package media

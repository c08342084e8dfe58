// Package webrtcleg is the media of a browser caller: one pion PeerConnection per call
// that answers the browser's offer (ICE, DTLS-SRTP, UDP/TLS/RTP/SAVPF, RFC 8827) as an
// ICE-lite server with host candidates on media.ip, negotiating only the G.711 law and
// telephone-event the gateway picked, so its packets flow through the same prompt player,
// DTMF detectors, relay and recorder as a trunk leg's (media.Leg) without transcoding.
package webrtcleg

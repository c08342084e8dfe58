// Package e2e holds the end-to-end tests: the whole gateway in-process, real calls placed
// with SIPp (Debian sip-tester) as caller and as agent, browser callers from a pion peer
// or headless Chromium (Debian chromium) over SIP over WebSocket, and the stored receipts
// and recordings checked afterwards.
package e2e

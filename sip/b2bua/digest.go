package b2bua

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
	"golang.org/x/time/rate"
)

// nonceLife is how long a digest challenge may be answered; later the caller is
// challenged again with stale=true (RFC 3261 §22.4, RFC 7616 §3.3).
const nonceLife = 5 * time.Minute

// Guessing is slowed per source: authFailureBurst wrong answers at once, then one more
// every authFailureEvery. 2,000 guesses on one nonce took 0.4 s without it; now they take
// about 5.5 hours from one address.
const (
	authFailureBurst = 5
	authFailureEvery = 10 * time.Second
)

// DigestAuth admits callers from outside the trusted networks that prove a password
// (RFC 3261 §22.4, digest of RFC 7616 with qop=auth): browsers and softphones of known
// users. Nonces are stateless (a time and an HMAC over it and the source address), so a
// challenge costs no memory, and a nonce is only good from the address it was sent to.
// A nonce that admitted a request is then tracked with its nonce-count, so the same
// Authorization header cannot be replayed; failures are limited per source.
type DigestAuth struct {
	Realm    string
	Users    map[string]string // name → password
	key      []byte
	used     *nonceCounts
	failures *sourceLimiter
}

// NewDigestAuth builds the authenticator; its nonce key is random per process.
func NewDigestAuth(realm string, users map[string]string) *DigestAuth {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &DigestAuth{Realm: realm, Users: users, key: key, used: newNonceCounts(),
		failures: newSourceLimiter(rate.Every(authFailureEvery), authFailureBurst, maxTrackedSources)}
}

type authResult int

const (
	authMissing authResult = iota // no credentials, or for another realm: challenge
	authStale                     // a nonce of ours that expired: challenge, stale=true
	authFailed                    // wrong user or password: 403
	authBlocked                   // too many failures from the source: 403 unchecked
	authOK
)

// nonceMAC is the HMAC that makes a nonce ours: over its time and the source address.
func (a *DigestAuth) nonceMAC(stamp []byte, src netip.Addr) []byte {
	mac := hmac.New(sha256.New, a.key)
	mac.Write(stamp)
	ip := src.Unmap().As16()
	mac.Write(ip[:])
	return mac.Sum(nil)[:16]
}

func (a *DigestAuth) nonce(src netip.Addr, now time.Time) string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.Unix()))
	copy(b[8:], a.nonceMAC(b[:8], src))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// nonceIssued checks a nonce is one we sent to src and says when it was issued.
func (a *DigestAuth) nonceIssued(n string, src netip.Addr) (time.Time, bool) {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != 24 {
		return time.Time{}, false
	}
	if !hmac.Equal(b[8:], a.nonceMAC(b[:8], src)) {
		return time.Time{}, false
	}
	return time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0), true
}

// check verifies the request's Authorization header, from source src.
func (a *DigestAuth) check(req *sip.Request, src netip.Addr, now time.Time) (authResult, string) {
	h := req.GetHeader("Authorization")
	if h == nil {
		return authMissing, ""
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Realm != a.Realm {
		return authMissing, ""
	}
	if a.failures.exhausted(src, now) {
		return authBlocked, ""
	}
	issued, ours := a.nonceIssued(cred.Nonce, src)
	switch age := now.Sub(issued); {
	case !ours:
		return authMissing, "" // another source's nonce, or another process's: a new challenge
	case age > nonceLife || age < -time.Minute:
		return authStale, ""
	}
	res, user := a.verify(req, cred)
	if res != authOK {
		a.failures.allow(src, now) // takes one of the source's failure tokens
		return res, ""
	}
	if !a.used.use(cred.Nonce, uint64(cred.Nc), issued, now) {
		// RFC 7616 §3.4: a replayed nonce-count. The password was right, so this is a
		// captured header sent again: a fresh challenge costs the real client one round.
		return authStale, ""
	}
	return authOK, user
}

// verify compares the credentials' response with the one the user's password gives.
func (a *DigestAuth) verify(req *sip.Request, cred *digest.Credentials) (authResult, string) {
	password, known := a.Users[cred.Username]
	if !known || cred.Userhash {
		return authFailed, ""
	}
	chal := &digest.Challenge{Realm: a.Realm, Nonce: cred.Nonce, Algorithm: cred.Algorithm}
	if cred.QOP != "" {
		chal.QOP = []string{cred.QOP}
	}
	want, err := digest.Digest(chal, digest.Options{
		Method: string(req.Method), URI: cred.URI, Username: cred.Username, Password: password,
		Cnonce: cred.Cnonce, Count: cred.Nc,
		GetBody: nil,
	})
	if err != nil || cred.QOP == "auth-int" {
		return authFailed, ""
	}
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(want.Response)), []byte(strings.ToLower(cred.Response))) != 1 {
		return authFailed, ""
	}
	return authOK, cred.Username
}

// challenge answers 401 with a fresh nonce (RFC 3261 §22.1).
func (s *Server) challenge(req *sip.Request, tx sip.ServerTransaction, stale bool) {
	a := s.opts.Admission.Auth
	chal := digest.Challenge{Realm: a.Realm, Nonce: a.nonce(sourceAddr(req), time.Now()), Algorithm: "SHA-256", QOP: []string{"auth"}, Stale: stale}
	// RFC 8760 §2.4: a client that only knows MD5 (most SIP phones) answers the second.
	md5 := chal
	md5.Algorithm = "MD5"
	s.reply(s.log, req, tx, sip.StatusUnauthorized, "Unauthorized",
		sip.NewHeader("WWW-Authenticate", chal.String()), sip.NewHeader("WWW-Authenticate", md5.String()))
}

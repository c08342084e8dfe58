package b2bua

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// nonceLife is how long a digest challenge may be answered; later the caller is
// challenged again with stale=true (RFC 3261 §22.4, RFC 7616 §3.3).
const nonceLife = 5 * time.Minute

// DigestAuth admits callers from outside the trusted networks that prove a password
// (RFC 3261 §22.4, digest of RFC 7616 with qop=auth): browsers and softphones of known
// users. Nonces are stateless (a time and its HMAC), so a challenge costs no memory.
type DigestAuth struct {
	Realm string
	Users map[string]string // name → password
	key   []byte
}

// NewDigestAuth builds the authenticator; its nonce key is random per process.
func NewDigestAuth(realm string, users map[string]string) *DigestAuth {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &DigestAuth{Realm: realm, Users: users, key: key}
}

type authResult int

const (
	authMissing authResult = iota // no credentials, or for another realm: challenge
	authStale                     // a nonce of ours that expired: challenge, stale=true
	authFailed                    // wrong user or password: 403
	authOK
)

func (a *DigestAuth) nonce(now time.Time) string {
	var b [8 + 16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.Unix()))
	mac := hmac.New(sha256.New, a.key)
	mac.Write(b[:8])
	copy(b[8:], mac.Sum(nil))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// nonceAge checks a nonce is one of ours and says how old it is.
func (a *DigestAuth) nonceAge(n string, now time.Time) (time.Duration, bool) {
	b, err := base64.RawURLEncoding.DecodeString(n)
	if err != nil || len(b) != 24 {
		return 0, false
	}
	mac := hmac.New(sha256.New, a.key)
	mac.Write(b[:8])
	if !hmac.Equal(b[8:], mac.Sum(nil)[:16]) {
		return 0, false
	}
	return now.Sub(time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0)), true
}

// check verifies the request's Authorization header.
func (a *DigestAuth) check(req *sip.Request, now time.Time) (authResult, string) {
	h := req.GetHeader("Authorization")
	if h == nil {
		return authMissing, ""
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil || cred.Realm != a.Realm {
		return authMissing, ""
	}
	age, ours := a.nonceAge(cred.Nonce, now)
	switch {
	case !ours:
		return authMissing, ""
	case age > nonceLife || age < -time.Minute:
		return authStale, ""
	}
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
	chal := digest.Challenge{Realm: a.Realm, Nonce: a.nonce(time.Now()), Algorithm: "SHA-256", QOP: []string{"auth"}, Stale: stale}
	res := sip.NewResponseFromRequest(req, sip.StatusUnauthorized, "Unauthorized", nil)
	res.AppendHeader(sip.NewHeader("WWW-Authenticate", chal.String()))
	// RFC 8760 §2.4: a client that only knows MD5 (most SIP phones) answers the second.
	md5 := chal
	md5.Algorithm = "MD5"
	res.AppendHeader(sip.NewHeader("WWW-Authenticate", md5.String()))
	respond(s.log, tx, res)
}

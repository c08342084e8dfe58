package bus

import "errors"

var (
	// ErrAuthConflict is returned when more than one of credentials, nkey and user are set.
	ErrAuthConflict = errors.New("set only one of nats.credentials, nats.nkey_seed_file and nats.user")
	// ErrNoCertificates is returned for a CA file without a PEM certificate.
	ErrNoCertificates = errors.New("no PEM certificate in file")
	// ErrCertWithoutKey is returned when only one of a client certificate and its key is set.
	ErrCertWithoutKey = errors.New("cert and key must be set together")
	// ErrStreamMismatch is returned when an existing stream has a retention or storage
	// the gateway cannot change in place.
	ErrStreamMismatch = errors.New("stream settings cannot be changed in place")
)

package local

import "errors"

// ErrSegmentTooLong is returned for a key segment too long to be a file
// name once the store's hidden prefix and suffixes are added.
var ErrSegmentTooLong = errors.New("local: key segment longer than 200 bytes")

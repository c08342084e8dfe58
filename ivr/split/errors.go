package split

import "errors"

// ErrNoRoute refuses a call whose called number no route matches (404).
var ErrNoRoute = errors.New("split: no route matches the called number")

package config

import (
	"errors"
	"fmt"
)

var (
	// ErrUnknownKey marks a YAML key or CONSENTGW_ variable that names no setting.
	ErrUnknownKey = errors.New("unknown key")
	// ErrInvalidValue marks a setting whose value is rejected.
	ErrInvalidValue = errors.New("invalid value")
)

// FieldError locates a configuration problem: the key path, and where the value came from.
// Load and Validate join one FieldError per problem so an operator sees all of them at once.
type FieldError struct {
	Path string // e.g. "routes[1].match"; indices count from 0
	Line int    // line in the YAML file, 0 if the value did not come from the file
	Env  string // environment variable that set the value, "" if none
	Err  error  // what is wrong; matches ErrUnknownKey or ErrInvalidValue with errors.Is
}

func (e *FieldError) Error() string {
	switch {
	case e.Env != "" && e.Path != "":
		return fmt.Sprintf("config: %s (%s): %v", e.Env, e.Path, e.Err)
	case e.Env != "":
		return fmt.Sprintf("config: %s: %v", e.Env, e.Err)
	case e.Line > 0:
		return fmt.Sprintf("config: %s: %v (line %d)", e.Path, e.Err, e.Line)
	default:
		return fmt.Sprintf("config: %s: %v", e.Path, e.Err)
	}
}

func (e *FieldError) Unwrap() error { return e.Err }

// invalidError is a value problem; it reads as its message alone but matches
// ErrInvalidValue, so messages stay short ("must not be negative") yet testable.
type invalidError struct {
	msg   string
	cause error
}

func (e *invalidError) Error() string {
	if e.cause != nil {
		return e.msg + ": " + e.cause.Error()
	}
	return e.msg
}

func (e *invalidError) Is(target error) bool { return target == ErrInvalidValue }
func (e *invalidError) Unwrap() error        { return e.cause }

func invalid(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

func invalidWrap(cause error, format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...), cause: cause}
}

package config

import (
	"fmt"
	"time"
)

// Duration is a time.Duration written as in Go ("8s", "720h", "1h30m", or "0").
type Duration time.Duration

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

func (d Duration) String() string { return time.Duration(d).String() }

// MarshalYAML writes the Go form so a printed config loads back.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

func parseDuration(s string) (Duration, error) {
	v, err := time.ParseDuration(s)
	if err != nil {
		return 0, invalid("invalid duration %q: want e.g. 8s, 90m, 720h", s)
	}
	return Duration(v), nil
}

// MarshalText lets encoders other than YAML (JSON, flags) print durations readably.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText accepts the same forms as the file.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := parseDuration(string(b))
	if err != nil {
		return fmt.Errorf("parse duration: %w", err)
	}
	*d = v
	return nil
}

package config

import (
	"errors"
	"fmt"
	"os"
)

// Load builds the configuration: Default(), then the YAML file at path ("" = none), then
// CONSENTGW_ variables from environ (entries "KEY=value", as os.Environ returns), then
// Validate. Errors name every offending key path with its line or variable.
func Load(path string, environ []string) (*Config, error) {
	c := Default()
	c.origins = map[string]origin{}
	var errs []error
	if path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: read %s: %w", path, err)
		}
		if err := decodeYAML(path, data, c); err != nil {
			errs = append(errs, err)
		}
	}
	if err := applyEnv(c, environ); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		// Values that failed to decode kept their defaults; validating now would only
		// add confusing follow-up errors.
		return nil, errors.Join(errs...)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

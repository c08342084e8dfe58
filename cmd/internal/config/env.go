package config

import (
	"errors"
	"reflect"
	"strings"
)

// EnvPrefix starts every variable that overrides a setting.
const EnvPrefix = "CONSENTGW_"

// EnvName is the variable that overrides the key at path: CONSENTGW_ and the path in
// upper case with dots as underscores ("storage.s3.secret_key" → CONSENTGW_STORAGE_S3_SECRET_KEY).
// Names are derived from the yaml tags, so a new key gets its variable for free.
// Routes have none: a list of records has no flat name, so routes come from the file only.
func EnvName(path string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// applyEnv overrides c with the CONSENTGW_ variables of environ ("KEY=value" entries,
// as os.Environ returns). Lists (sip.listen) are comma-separated. A CONSENTGW_ variable
// that names no setting is an error, so a typo cannot silently leave a default in place.
func applyEnv(c *Config, environ []string) error {
	byName := map[string]leaf{}
	for _, l := range leaves(reflect.TypeFor[Config](), "", nil) {
		byName[EnvName(l.path)] = l
	}
	root := reflect.ValueOf(c).Elem()
	var errs []error
	for _, kv := range environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		l, ok := byName[name]
		if !ok {
			err := ErrUnknownKey
			if strings.HasPrefix(name, EnvPrefix+"ROUTES") {
				err = invalid("routes can only be set in the configuration file")
			}
			errs = append(errs, &FieldError{Env: name, Err: err})
			continue
		}
		if err := setScalar(root.FieldByIndex(l.index), value); err != nil {
			errs = append(errs, &FieldError{Path: l.path, Env: name, Err: err})
			continue
		}
		c.setOrigin(l.path, origin{env: name})
	}
	return errors.Join(errs...)
}

// setOrigin records where path's value came from, forgetting what the file said about
// the parts of the value it replaces (e.g. sip.listen[1] after CONSENTGW_SIP_LISTEN).
func (c *Config) setOrigin(path string, o origin) {
	if c.origins == nil {
		c.origins = map[string]origin{}
	}
	for p := range c.origins {
		if strings.HasPrefix(p, path+"[") || strings.HasPrefix(p, path+".") {
			delete(c.origins, p)
		}
	}
	c.origins[path] = o
}

// fieldError locates err at path, naming the file line or variable that set it; for a
// value left at its default it falls back to the nearest enclosing key that was set.
func (c *Config) fieldError(path string, err error) error {
	fe := &FieldError{Path: path, Err: err}
	for p := path; p != ""; p = parentPath(p) {
		if o, ok := c.origins[p]; ok {
			fe.Line, fe.Env = o.line, o.env
			break
		}
	}
	return fe
}

func parentPath(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

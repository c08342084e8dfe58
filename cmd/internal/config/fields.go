package config

import (
	"reflect"
	"strconv"
	"strings"
)

var durationType = reflect.TypeFor[Duration]()

// yamlName is a field's key: the name in its yaml tag.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	return name
}

// fieldByKey finds the field of struct type t whose yaml tag is key.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if n := yamlName(f); n != "" && n == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// isSection reports whether values of t are YAML mappings (nested keys).
func isSection(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != durationType
}

// leaf is a scalar setting reachable by a flat name.
type leaf struct {
	path  string // "storage.s3.secret_key"
	index []int  // for reflect.Value.FieldByIndex
}

// leaves lists every setting of struct type t that has a flat name, in field order.
// Lists of sections (routes) have none: their entries have no stable name.
func leaves(t reflect.Type, prefix string, index []int) []leaf {
	var out []leaf
	for i := range t.NumField() {
		f := t.Field(i)
		name := yamlName(f)
		if name == "" {
			continue
		}
		path := joinPath(prefix, name)
		idx := append(append([]int(nil), index...), i)
		switch {
		case isSection(f.Type):
			out = append(out, leaves(f.Type, path, idx)...)
		case f.Type.Kind() == reflect.Slice && isSection(f.Type.Elem()):
			// routes: file only
		default:
			out = append(out, leaf{path: path, index: idx})
		}
	}
	return out
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func indexPath(prefix string, i int) string {
	return prefix + "[" + strconv.Itoa(i) + "]"
}

// setScalar stores the text form of a leaf value, the same way for file and environment.
func setScalar(v reflect.Value, s string) error {
	switch {
	case v.Type() == durationType:
		d, err := parseDuration(s)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Int:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || n != int64(int(n)) {
			return invalid("invalid integer %q", s)
		}
		v.SetInt(n)
	case v.Kind() == reflect.Bool:
		b, err := parseBool(s)
		if err != nil {
			return err
		}
		v.SetBool(b)
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.String:
		// A comma-separated list, as environment variables carry lists.
		var list []string
		for item := range strings.SplitSeq(s, ",") {
			if item = strings.TrimSpace(item); item != "" {
				list = append(list, item)
			}
		}
		v.Set(reflect.ValueOf(list))
	default:
		return invalid("unsupported setting type %s", v.Type())
	}
	return nil
}

// parseBool accepts YAML 1.1 and 1.2 spellings, since operators write both.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, invalid("invalid boolean %q: want true or false", s)
}

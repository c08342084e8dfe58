package config

import (
	"errors"
	"reflect"

	"gopkg.in/yaml.v3"
)

// maxAliasHops bounds alias chains; yaml.v3 leaves cycles and chains to the consumer.
const maxAliasHops = 16

// decoder walks a yaml.Node tree against the Config struct's yaml tags, so unknown keys
// and bad values are reported with their full path and line, and nothing is read that
// the struct does not declare.
type decoder struct {
	origins map[string]origin
	errs    []error
	depth   int // nesting of sections, which merge keys can make cyclic
}

// maxDepth is far deeper than Config nests; only a self-merging mapping gets there.
const maxDepth = 32

func (d *decoder) fail(path string, line int, err error) {
	d.errs = append(d.errs, &FieldError{Path: path, Line: line, Err: err})
}

func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i == maxAliasHops {
			return nil
		}
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// value decodes n into v. A null value (`key:` or `key: ~`) keeps the default.
func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	line := n.Line
	if n = resolve(n); n == nil {
		d.fail(path, line, invalid("alias chain too long"))
		return
	}
	d.origins[path] = origin{line: n.Line}
	if isNull(n) {
		return
	}
	switch {
	case isSection(v.Type()):
		d.section(n, v, path)
	case v.Kind() == reflect.Slice && isSection(v.Type().Elem()):
		d.list(n, v, path)
	case v.Kind() == reflect.Slice:
		d.strings(n, v, path)
	default:
		if n.Kind != yaml.ScalarNode {
			d.fail(path, n.Line, invalid("want a single value, not a %s", kindName(n)))
			return
		}
		if err := setScalar(v, n.Value); err != nil {
			d.fail(path, n.Line, err)
		}
	}
}

func (d *decoder) section(n *yaml.Node, v reflect.Value, path string) {
	if n == nil {
		d.fail(pathOrTop(path), 0, invalid("alias chain too long"))
		return
	}
	if n.Kind != yaml.MappingNode {
		d.fail(pathOrTop(path), n.Line, invalid("want a mapping of keys, not a %s", kindName(n)))
		return
	}
	if d.depth++; d.depth > maxDepth {
		d.fail(pathOrTop(path), n.Line, invalid("merge keys nest too deep"))
		d.depth--
		return
	}
	defer func() { d.depth-- }()
	// YAML merge keys (<<: *base) first, so keys written beside them win.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k != nil && k.Tag == "!!merge" {
			d.merge(n.Content[i+1], v, path)
		}
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			d.fail(pathOrTop(path), n.Content[i].Line, invalid("keys must be plain names"))
			continue
		}
		if k.Tag == "!!merge" {
			continue
		}
		p := joinPath(path, k.Value)
		if seen[k.Value] {
			d.fail(p, k.Line, invalid("key given twice"))
			continue
		}
		seen[k.Value] = true
		f, ok := fieldByKey(v.Type(), k.Value)
		if !ok {
			d.fail(p, k.Line, ErrUnknownKey)
			continue
		}
		d.value(n.Content[i+1], v.FieldByIndex(f.Index), p)
	}
}

func (d *decoder) merge(n *yaml.Node, v reflect.Value, path string) {
	line := n.Line
	if n = resolve(n); n == nil {
		d.fail(pathOrTop(path), line, invalid("alias chain too long"))
		return
	}
	if n.Kind == yaml.SequenceNode {
		// YAML merge: earlier maps in the list take precedence, so apply them last.
		for i := len(n.Content) - 1; i >= 0; i-- {
			d.section(resolve(n.Content[i]), v, path)
		}
		return
	}
	d.section(n, v, path)
}

func (d *decoder) list(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.fail(path, n.Line, invalid("want a list, not a %s", kindName(n)))
		return
	}
	out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		elem := out.Index(i)
		if r, ok := elem.Addr().Interface().(*Route); ok {
			*r = withRouteDefaults(Route{})
		}
		d.value(item, elem, indexPath(path, i))
	}
	v.Set(out)
}

// strings decodes a list of strings; a single string is taken as a one-item list.
func (d *decoder) strings(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind == yaml.ScalarNode {
		v.Set(reflect.ValueOf([]string{n.Value}))
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(path, n.Line, invalid("want a list, not a %s", kindName(n)))
		return
	}
	list := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		p := indexPath(path, i)
		line := item.Line
		if item = resolve(item); item == nil || item.Kind != yaml.ScalarNode || isNull(item) {
			d.fail(p, line, invalid("want a string"))
			continue
		}
		d.origins[p] = origin{line: item.Line}
		list = append(list, item.Value)
	}
	v.Set(reflect.ValueOf(list))
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.DocumentNode:
		return "document"
	default:
		return "single value"
	}
}

func pathOrTop(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

// decodeYAML overlays the keys of file (named for messages) onto c.
func decodeYAML(file string, data []byte, c *Config) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return &FieldError{Path: file, Err: invalidWrap(err, "not valid YAML")}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil // empty file: all defaults
	}
	d := &decoder{origins: c.origins}
	d.value(doc.Content[0], reflect.ValueOf(c).Elem(), "")
	return errors.Join(d.errs...)
}

package connectors

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ConfigError points at one key of a connector's configuration.
type ConfigError struct {
	// Line is the 1-based line in the configuration file, 0 if unknown.
	Line int
	// Key is the dotted path of the key inside the instance's config block
	// ("endpoints.profiles.path"); "" for the block itself.
	Key    string
	Reason string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Invalid reports a bad value at key, for Validate and Provision. Build
// finds the key's line.
func Invalid(key, format string, args ...any) *ConfigError {
	return &ConfigError{Key: key, Reason: fmt.Sprintf(format, args...)}
}

// Build makes a ready instance of kind from its configuration block, in the
// fixed lifecycle order: New, strict decode, Provision, Validate. A nil node
// decodes as an empty block. On error nothing stays acquired. Errors about
// the configuration are *ConfigError.
func Build(ctx context.Context, kind string, node *yaml.Node, env Env) (Connector, error) {
	k, ok := Lookup(kind)
	if !ok {
		return nil, &ConfigError{Reason: fmt.Sprintf("unknown connector kind %q (known: %s)", kind, strings.Join(KindIDs(), ", "))}
	}
	c := k.New()
	if err := DecodeStrict(node, c); err != nil {
		return nil, err
	}
	if p, ok := c.(Provisioner); ok {
		if err := p.Provision(ctx, env); err != nil {
			_ = c.Close()
			return nil, locate(node, err)
		}
	}
	if v, ok := c.(Validator); ok {
		if err := v.Validate(); err != nil {
			_ = c.Close()
			return nil, locate(node, err)
		}
	}
	return c, nil
}

// locate fills in the line of a *ConfigError from the node tree.
func locate(root *yaml.Node, err error) error {
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Line != 0 || root == nil {
		return err
	}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for part := range strings.SplitSeq(ce.Key, ".") {
		if part == "" {
			continue
		}
		next := child(n, part)
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	ce.Line = line
	return err
}

// child finds one part of a dotted key: a mapping key, optionally indexed
// into a sequence ("items[0]").
func child(n *yaml.Node, part string) *yaml.Node {
	name, idx, indexed := strings.Cut(part, "[")
	if name != "" {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var found *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				found = n.Content[i+1]
			}
		}
		if found == nil {
			return nil
		}
		n = found
	}
	for indexed {
		var rest string
		idx, rest, _ = strings.Cut(idx, "]")
		i, err := strconv.Atoi(idx)
		if n.Kind != yaml.SequenceNode || err != nil || i < 0 || i >= len(n.Content) {
			return nil
		}
		n = n.Content[i]
		idx = strings.TrimPrefix(rest, "[")
		indexed = strings.HasPrefix(rest, "[")
	}
	return n
}

// keyAt returns the dotted key of the value on line, "" if none.
func keyAt(n *yaml.Node, line int, path string) string {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if k := keyAt(c, line, path); k != "" {
				return k
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			p := join(path, key.Value)
			if key.Line == line && (val.Kind == yaml.ScalarNode || val.Line == line) {
				return p
			}
			if k := keyAt(val, line, p); k != "" {
				return k
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if c.Kind == yaml.ScalarNode && c.Line == line {
				return p
			}
			if k := keyAt(c, line, p); k != "" {
				return k
			}
		}
	}
	return ""
}

// DecodeStrict decodes node into v (a pointer), refusing keys v has no field
// for. Errors are *ConfigError with the line and dotted key, and never
// repeat the offending value (it may be a secret).
func DecodeStrict(node *yaml.Node, v any) error {
	if node == nil || node.Kind == 0 {
		return nil
	}
	if node.Kind == yaml.DocumentNode && len(node.Content) > 0 {
		node = node.Content[0]
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("decode: target must be a non-nil pointer, got %T", v)
	}
	if err := checkKnown(node, rv.Type(), ""); err != nil {
		return err
	}
	if err := node.Decode(v); err != nil {
		err := typeError(err)
		var ce *ConfigError
		if errors.As(err, &ce) && ce.Line > 0 && ce.Key == "" {
			ce.Key = keyAt(node, ce.Line, "")
		}
		return err
	}
	return nil
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)
var yamlValue = regexp.MustCompile("`[^`]*`")

// typeError turns yaml's type errors into a *ConfigError without the value.
func typeError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) || len(te.Errors) == 0 {
		return &ConfigError{Reason: "cannot decode: " + yamlValue.ReplaceAllString(err.Error(), "a value")}
	}
	msg := te.Errors[0]
	ce := &ConfigError{Reason: msg}
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		ce.Line, _ = strconv.Atoi(m[1])
		ce.Reason = m[2]
	}
	ce.Reason = yamlValue.ReplaceAllString(ce.Reason, "a value")
	return ce
}

var (
	nodeType        = reflect.TypeFor[yaml.Node]()
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
)

// checkKnown walks node alongside type t and reports the first mapping key
// that t has no field for.
func checkKnown(n *yaml.Node, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if t == nodeType || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return nil // yaml reports the type mismatch itself
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			if key.Value == "<<" {
				continue
			}
			ft, ok := fields[key.Value]
			if !ok {
				return &ConfigError{Line: key.Line, Key: join(path, key.Value), Reason: fmt.Sprintf("unknown key (known: %s)", strings.Join(sortedKeys(fields), ", "))}
			}
			if err := checkKnown(val, ft, join(path, key.Value)); err != nil {
				return err
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if err := checkKnown(n.Content[i+1], t.Elem(), join(path, n.Content[i].Value)); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return nil
		}
		for i, item := range n.Content {
			if err := checkKnown(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps the yaml keys of struct t to their field types, following
// yaml.v3's rules: the tag name, else the lower-cased field name; ",inline"
// structs contribute their own fields; "-" is skipped.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				for k, v := range yamlFields(ft) {
					out[k] = v
				}
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

func sortedKeys(m map[string]reflect.Type) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

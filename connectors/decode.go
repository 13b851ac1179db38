package connectors

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A Decoder decodes one block of configuration into a value: a kind's
// instance (a pointer to its configuration struct), or a part of one.
// Decoding is strict: a key v has no field for is an error, and so is a
// value of the wrong type. Errors are *ConfigError naming the key, and never
// repeat the offending value (it may be a secret).
//
// Fields are matched by their `yaml` tag (the name, else the lower-cased
// field name; ",inline" structs contribute their fields; "-" is skipped),
// whatever the file's format. A field of type Value takes its part of the
// block as written, for a kind that reads it itself.
type Decoder interface {
	Decode(v any) error
}

// Block is a block of configuration kept as written until something decodes
// it: an instance's `config:` block, which its kind decodes in Build. The
// zero Block is empty and decodes nothing. It is a Decoder that knows the
// line of each key, so errors point into the file.
//
// The gateway's configuration loader fills Blocks from its YAML file; a test
// makes one with ParseBlock.
type Block struct {
	node *yaml.Node
}

var _ Decoder = (*Block)(nil)

// ParseBlock parses a block of configuration written in YAML. Line numbers
// in errors count from data's first line.
func ParseBlock(data []byte) (*Block, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &ConfigError{Reason: "invalid YAML: " + yamlPrefix.ReplaceAllString(err.Error(), "")}
	}
	b := &Block{}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		b.node = doc.Content[0]
	}
	return b, nil
}

var yamlPrefix = regexp.MustCompile(`^yaml: `)

// IsZero reports whether the block is empty (absent, or null).
func (b *Block) IsZero() bool {
	return b == nil || b.node == nil || b.node.Kind == 0 || (b.node.Kind == yaml.ScalarNode && b.node.ShortTag() == "!!null")
}

// Decode decodes the block into v, a non-nil pointer; see Decoder.
func (b *Block) Decode(v any) error {
	if b.IsZero() {
		return nil
	}
	return decodeStrict(b.node, v)
}

// Line returns the line of a dotted key in the block ("items[1].name"),
// or of its deepest parent written; 0 when the block has no lines.
func (b *Block) Line(key string) int {
	if b == nil || b.node == nil {
		return 0
	}
	n := b.node
	line := n.Line
	for part := range strings.SplitSeq(key, ".") {
		if part == "" {
			continue
		}
		next := child(n, part)
		if next == nil {
			break
		}
		n, line = next, next.Line
	}
	return line
}

// UnmarshalYAML keeps the block's part of the YAML tree. It is called by
// the YAML library; its signature names no YAML type.
func (b *Block) UnmarshalYAML(unmarshal func(any) error) error {
	var c nodeCatcher
	if err := unmarshal(&c); err != nil {
		return err
	}
	b.node = c.node
	return nil
}

// nodeCatcher takes a node from the YAML library as it is.
type nodeCatcher struct{ node *yaml.Node }

func (c *nodeCatcher) UnmarshalYAML(n *yaml.Node) error {
	c.node = n
	return nil
}

// ValueKind says what a Value is.
type ValueKind uint8

// Value kinds.
const (
	// NoValue is an absent or null value.
	NoValue ValueKind = iota
	// ScalarValue is a single value: see Value.Scalar.
	ScalarValue
	// MapValue is a mapping: see Value.Fields.
	MapValue
	// ListValue is a list: see Value.Items.
	ListValue
)

// Value is a part of a configuration block kept as written, for a kind that
// reads it itself, such as a query document whose keys keep their order.
// Its zero value is NoValue.
type Value struct {
	Kind ValueKind
	// Scalar is a ScalarValue's value: bool, int64, float64, string or
	// time.Time.
	Scalar any
	// Fields are a MapValue's entries, in the order written.
	Fields []Field
	// Items are a ListValue's values.
	Items []Value
	// Line is where the value is written, 0 if unknown.
	Line int
}

// Field is one entry of a MapValue.
type Field struct {
	Key   string
	Value Value
}

// UnmarshalYAML converts the value's part of the YAML tree. It is called by
// the YAML library; its signature names no YAML type.
func (v *Value) UnmarshalYAML(unmarshal func(any) error) error {
	var c nodeCatcher
	if err := unmarshal(&c); err != nil {
		return err
	}
	if c.node == nil {
		*v = Value{}
		return nil
	}
	out, err := valueOf(c.node, 0)
	if err != nil {
		return err
	}
	*v = out
	return nil
}

// maxValueDepth bounds how deep a Value nests, aliases followed.
const maxValueDepth = 64

func valueOf(n *yaml.Node, depth int) (Value, error) {
	if depth > maxValueDepth {
		return Value{}, &ConfigError{Line: n.Line, Reason: fmt.Sprintf("nested deeper than %d levels", maxValueDepth)}
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return Value{}, nil
		}
		return valueOf(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return Value{}, nil
		}
		return valueOf(n.Alias, depth+1)
	case yaml.MappingNode:
		v := Value{Kind: MapValue, Line: n.Line, Fields: make([]Field, 0, len(n.Content)/2)}
		for i := 0; i+1 < len(n.Content); i += 2 {
			item, err := valueOf(n.Content[i+1], depth+1)
			if err != nil {
				return Value{}, err
			}
			v.Fields = append(v.Fields, Field{Key: n.Content[i].Value, Value: item})
		}
		return v, nil
	case yaml.SequenceNode:
		v := Value{Kind: ListValue, Line: n.Line, Items: make([]Value, 0, len(n.Content))}
		for _, c := range n.Content {
			item, err := valueOf(c, depth+1)
			if err != nil {
				return Value{}, err
			}
			v.Items = append(v.Items, item)
		}
		return v, nil
	case yaml.ScalarNode:
		return scalarOf(n)
	}
	return Value{}, &ConfigError{Line: n.Line, Reason: "unsupported value"}
}

func scalarOf(n *yaml.Node) (Value, error) {
	v := Value{Kind: ScalarValue, Line: n.Line}
	var err error
	switch n.ShortTag() {
	case "!!null":
		return Value{Line: n.Line}, nil
	case "!!bool":
		var b bool
		err = n.Decode(&b)
		v.Scalar = b
	case "!!int":
		var i int64
		err = n.Decode(&i)
		v.Scalar = i
	case "!!float":
		var f float64
		err = n.Decode(&f)
		v.Scalar = f
	case "!!timestamp":
		var t time.Time
		err = n.Decode(&t)
		v.Scalar = t
	default:
		v.Scalar = n.Value
	}
	if err != nil {
		return Value{}, &ConfigError{Line: n.Line, Reason: "not a valid " + strings.TrimPrefix(n.ShortTag(), "!!")}
	}
	return v, nil
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

// decodeStrict decodes node into v (a pointer), refusing keys v has no field
// for. Errors are *ConfigError with the line and dotted key, and never
// repeat the offending value (it may be a secret).
func decodeStrict(node *yaml.Node, v any) error {
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
		var ce *ConfigError
		if errors.As(err, &ce) {
			if ce.Key == "" && ce.Line > 0 {
				ce.Key = keyAt(node, ce.Line, "")
			}
			return ce
		}
		err := typeError(err)
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

// rawUnmarshaler is the form of yaml's Unmarshaler that names no YAML type:
// Block and Value take their part of the tree whole through it.
type rawUnmarshaler interface {
	UnmarshalYAML(unmarshal func(any) error) error
}

var (
	nodeType           = reflect.TypeFor[yaml.Node]()
	unmarshalerType    = reflect.TypeFor[yaml.Unmarshaler]()
	rawUnmarshalerType = reflect.TypeFor[rawUnmarshaler]()
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
	if t == nodeType || reflect.PointerTo(t).Implements(unmarshalerType) || reflect.PointerTo(t).Implements(rawUnmarshalerType) {
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
				reason := "unknown key: this block takes none"
				if len(fields) > 0 {
					reason = fmt.Sprintf("unknown key (known: %s)", strings.Join(sortedKeys(fields), ", "))
				}
				return &ConfigError{Line: key.Line, Key: join(path, key.Value), Reason: reason}
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

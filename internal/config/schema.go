package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/docs"
)

// schemaURL names the embedded schema (its $id); nothing is fetched.
const schemaURL = "https://harmony.dev/schemas/harmony.schema.json"

var (
	schemaOnce     sync.Once
	compiledSchema *jsonschema.Schema
	errSchema      error
)

// fileSchema is docs/harmony.schema.json, compiled once.
func fileSchema() (*jsonschema.Schema, error) {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(docs.ConfigSchema))
		if err != nil {
			errSchema = fmt.Errorf("read the configuration schema: %w", err)
			return
		}
		c := jsonschema.NewCompiler()
		if err := c.AddResource(schemaURL, doc); err != nil {
			errSchema = fmt.Errorf("load the configuration schema: %w", err)
			return
		}
		compiledSchema, errSchema = c.Compile(schemaURL)
	})
	return compiledSchema, errSchema
}

// checkSchema validates the expanded document against the published JSON
// Schema, so that what editors complete and what the gateway accepts are
// one thing. Its errors name the file, line and key like the decoder's.
func checkSchema(file string, root *yaml.Node) error {
	sch, err := fileSchema()
	if err != nil {
		return &Error{File: file, Reason: err.Error()}
	}
	inst, err := instance(root)
	if err != nil {
		return &Error{File: file, Reason: err.Error()}
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &Error{File: file, Reason: "cannot check against the schema: " + err.Error()}
	}
	leaf := firstReal(ve)
	if leaf == nil {
		return nil
	}
	key, line := locateKey(root, leaf.InstanceLocation)
	reason := describe(leaf.ErrorKind)
	if _, ok := leaf.ErrorKind.(*kind.Enum); ok && pathAllowed(ve, leaf.InstanceLocation) {
		reason += ", or a JSONPath ($...)"
	}
	if ap, ok := leaf.ErrorKind.(*kind.AdditionalProperties); ok && len(ap.Properties) > 0 {
		key, line = locateKey(root, append(append([]string{}, leaf.InstanceLocation...), ap.Properties[0]))
		reason = "unknown key"
		if known := knownKeys(leaf.SchemaURL); len(known) > 0 {
			reason += " (known: " + strings.Join(known, ", ") + ")"
		}
	}
	return &Error{File: file, Line: line, Key: key, Reason: reason}
}

// knownKeys lists the properties of the schema object that refused an
// additional property, found by its location (…#/$defs/X).
func knownKeys(schemaURL string) []string {
	_, frag, ok := strings.Cut(schemaURL, "#")
	if !ok {
		return nil
	}
	var doc any
	if err := json.Unmarshal(docs.ConfigSchema, &doc); err != nil {
		return nil
	}
	parts := strings.Split(strings.TrimPrefix(frag, "/"), "/")
	if n := len(parts); n > 0 && parts[n-1] == "additionalProperties" {
		parts = parts[:n-1]
	}
	node := doc
	for _, p := range parts {
		p = strings.NewReplacer("~1", "/", "~0", "~").Replace(p)
		switch n := node.(type) {
		case map[string]any:
			node = n[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(n) {
				return nil
			}
			node = n[i]
		default:
			return nil
		}
	}
	obj, _ := node.(map[string]any)
	props, _ := obj["properties"].(map[string]any)
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// firstReal returns the leaf error with the longest instance location (the
// most precise place to point at), leaving out what the YAML decoder
// accepts: a number or boolean where a string is wanted (it reads
// `sha256: 1234` as the text "1234"). Nil means nothing is left.
func firstReal(e *jsonschema.ValidationError) *jsonschema.ValidationError {
	var best *jsonschema.ValidationError
	var walk func(*jsonschema.ValidationError)
	walk = func(v *jsonschema.ValidationError) {
		if len(v.Causes) > 0 {
			for _, c := range v.Causes {
				walk(c)
			}
			return
		}
		if t, ok := v.ErrorKind.(*kind.Type); ok && slices.Contains(t.Want, "string") &&
			(t.Got == "number" || t.Got == "integer" || t.Got == "boolean") {
			return
		}
		if best == nil || len(v.InstanceLocation) > len(best.InstanceLocation) {
			best = v
		}
	}
	walk(e)
	return best
}

// describe words a schema error without the value, which may be personal
// data or a secret.
func describe(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Type:
		return fmt.Sprintf("want %s, got %s", strings.Join(k.Want, " or "), k.Got)
	case *kind.Required:
		return "missing required key " + strings.Join(k.Missing, ", ")
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		return "must be one of " + strings.Join(want, ", ")
	case *kind.Pattern:
		if strings.Contains(k.Want, "(ns|us|") {
			return "not a duration (write 500ms, 5s, 1m30s, 2h)"
		}
		return "does not match " + k.Want
	case *kind.FalseSchema:
		return "not allowed here"
	case *kind.Minimum:
		return "must be at least " + k.Want.RatString()
	case *kind.Maximum:
		return "must be at most " + k.Want.RatString()
	}
	// Other kinds' messages quote the value: keep the keyword only.
	return "does not satisfy the schema's " + strings.Join(k.KeywordPath(), "/")
}

// instance turns a YAML document into the JSON values the validator reads.
func instance(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return instance(n.Content[0])
	case yaml.AliasNode:
		return instance(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "<<" {
				return nil, fmt.Errorf("line %d: YAML merge keys are not supported", n.Content[i].Line)
			}
			v, err := instance(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			if v == nil {
				continue // the decoder leaves a null key at its zero value
			}
			m[n.Content[i].Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		a := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := instance(c)
			if err != nil {
				return nil, err
			}
			a[i] = v
		}
		return a, nil
	}
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: not a boolean", n.Line)
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, fmt.Errorf("line %d: not an integer", n.Line)
		}
		return json.Number(strconv.FormatInt(i, 10)), nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, fmt.Errorf("line %d: not a number", n.Line)
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
	}
	return n.Value, nil
}

// locateKey turns an instance location into a dotted key with indices
// (connectors[0].config.base_url) and the line of that node, or of its
// nearest ancestor present.
func locateKey(root *yaml.Node, loc []string) (string, int) {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	var b strings.Builder
	for _, tok := range loc {
		var next *yaml.Node
		switch n.Kind {
		case yaml.SequenceNode:
			fmt.Fprintf(&b, "[%s]", tok)
			if i, err := strconv.Atoi(tok); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
			}
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(tok)
			if n != nil && n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == tok {
						line = n.Content[i].Line
						next = n.Content[i+1]
						break
					}
				}
			}
		}
		if next == nil {
			n = &yaml.Node{}
			continue
		}
		if next.Kind == yaml.SequenceNode || next.Kind == yaml.MappingNode {
			if next.Line > 0 && n.Kind == yaml.SequenceNode {
				line = next.Line
			}
		}
		n = next
	}
	return b.String(), line
}

// pathPattern is the pattern by which the schema lets a mapping value be a
// JSONPath instead of one of its choices (configschema.PathPattern).
const pathPattern = `^\$([^$]|$)`

// pathAllowed reports whether a value at loc failed a JSONPath alternative
// too: its choices are literals, and a JSONPath would do as well.
func pathAllowed(e *jsonschema.ValidationError, loc []string) bool {
	if p, ok := e.ErrorKind.(*kind.Pattern); ok && p.Want == pathPattern && slices.Equal(e.InstanceLocation, loc) {
		return true
	}
	return slices.ContainsFunc(e.Causes, func(c *jsonschema.ValidationError) bool { return pathAllowed(c, loc) })
}

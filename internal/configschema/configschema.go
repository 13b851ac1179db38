// Package configschema derives the JSON Schema of Harmony's configuration
// file, and its key reference, from the Go types that decode it: the
// top-level config.Config and the config type of every registered connector
// kind. The descriptions are the types' doc comments. `go generate` writes
// docs/harmony.schema.json (which editors can use for completion, and which
// config.Parse validates files against) and docs/config-reference.md, so
// the schema, the reference and the decoder cannot drift apart.
package configschema

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
	orderedmap "github.com/pb33f/ordered-map/v2"

	"github.com/harmonyhq/harmony/connectors"
	_ "github.com/harmonyhq/harmony/connectors/all" // the built-in kinds
	"github.com/harmonyhq/harmony/internal/config"
)

// ID is the schema's $id.
const ID = "https://harmony.dev/schemas/harmony.schema.json"

// Module is the Go module whose comments describe the keys.
const Module = "github.com/harmonyhq/harmony"

// CommentDirs are the directories, relative to the module root, whose doc
// comments describe configuration keys.
var CommentDirs = []string{"internal/config", "connectors"}

// Generate returns the schema, with the doc comments found under root (the
// module's directory; "" for none).
func Generate(root string) (*jsonschema.Schema, error) {
	r := reflector()
	if root != "" {
		// AddGoComments joins the base and each file's directory to name
		// its package: give it a base that root's ".." segments climb back
		// to the module's import path.
		base := Module
		for _, seg := range strings.Split(filepath.ToSlash(filepath.Clean(root)), "/") {
			switch seg {
			case "..":
				base += "/up"
			case ".":
			default:
				return nil, fmt.Errorf("root %q: give the module root as a relative path of \"..\" segments", root)
			}
		}
		for _, dir := range CommentDirs {
			if err := r.AddGoComments(base, filepath.ToSlash(filepath.Join(root, dir))); err != nil {
				return nil, fmt.Errorf("read doc comments of %s: %w", dir, err)
			}
		}
	}
	s := r.Reflect(&config.Config{})
	s.ID = ID
	s.Title = "Harmony configuration"

	conn, ok := s.Definitions["Connector"]
	if !ok {
		return nil, fmt.Errorf("the schema has no Connector definition")
	}
	var ids []any
	for _, k := range connectors.Kinds() {
		ids = append(ids, k.ID)
		t := reflect.TypeOf(k.New())
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		ks := r.ReflectFromType(t)
		name := "kind-" + k.ID
		for n, d := range ks.Definitions {
			if _, dup := s.Definitions[n]; !dup {
				s.Definitions[n] = d
			}
		}
		ref := ks.Ref
		if def, ok := ks.Definitions[refName(ref)]; ok {
			s.Definitions[name] = def
			def.Description = k.Doc
		}
		conn.AllOf = append(conn.AllOf, &jsonschema.Schema{
			If: &jsonschema.Schema{Properties: props("kind", &jsonschema.Schema{Const: k.ID}), Required: []string{"kind"}},
			Then: &jsonschema.Schema{Properties: props("config", &jsonschema.Schema{
				Ref: "#/$defs/" + name, Description: k.Doc})},
		})
	}
	if kind, ok := conn.Properties.Get("kind"); ok {
		// No enum: a binary with Go connectors registers kinds of its own.
		kind.Description = "the connector kind: " + joinAny(ids) + ", or a Go connector's kind"
	}
	conn.Required = append(conn.Required, "name", "kind")
	if err := applyChoices(s, map[*jsonschema.Schema]bool{}); err != nil {
		return nil, err
	}
	return s, nil
}

// Choices are the named sets of values a field tagged
// `jsonschema_extras:"x-choices=NAME"` may take; the lists are the ones
// the loader and the kinds check against, so the schema cannot drift from
// them.
var Choices = map[string][]string{
	"channel":          connectors.InteractionChannels,
	"interaction_type": connectors.InteractionTypes,
	"direction":        connectors.Directions,
	"order_channel":    connectors.OrderChannels,
	"identifier_kind":  connectors.IdentifierKinds,
	"send_channel":     connectors.SendChannels,
	"survivorship":     {config.SurvivorshipPriority, config.SurvivorshipMostRecent, config.SurvivorshipMostFrequent},
	"scope":            config.Scopes,
}

// PathPattern matches a mapping value that is a JSONPath ($.a.b), not a
// literal ($$ escapes a literal starting with $).
const PathPattern = `^\$([^$]|$)`

// applyChoices turns each x-choices mark into the schema's words: a string
// is one of the choices or a JSONPath (a mapping value), a list's items
// and a map's values are one of them.
func applyChoices(s *jsonschema.Schema, seen map[*jsonschema.Schema]bool) error {
	if s == nil || seen[s] {
		return nil
	}
	seen[s] = true
	if name, ok := s.Extras["x-choices"].(string); ok {
		vals, known := Choices[name]
		if !known {
			return fmt.Errorf("x-choices=%s: no such set of choices", name)
		}
		enum := make([]any, len(vals))
		for i, v := range vals {
			enum[i] = v
		}
		delete(s.Extras, "x-choices")
		if len(s.Extras) == 0 {
			s.Extras = nil
		}
		switch {
		case s.Type == "string":
			s.AnyOf = []*jsonschema.Schema{{Enum: enum}, {Pattern: PathPattern}}
		case s.Type == "array" && s.Items != nil:
			s.Items.Enum = enum
		default: // a map (maybe a named type, by reference)
			s.Ref, s.Type = "", "object"
			s.AdditionalProperties = &jsonschema.Schema{Type: "string", Enum: enum}
		}
	}
	var kids []*jsonschema.Schema
	if s.Properties != nil {
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			kids = append(kids, p.Value)
		}
	}
	for _, d := range s.Definitions {
		kids = append(kids, d)
	}
	kids = append(kids, s.Items, s.AdditionalProperties, s.If, s.Then, s.Else)
	kids = append(kids, s.AllOf...)
	kids = append(kids, s.AnyOf...)
	kids = append(kids, s.OneOf...)
	for _, k := range kids {
		if err := applyChoices(k, seen); err != nil {
			return err
		}
	}
	return nil
}

func joinAny(ids []any) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = fmt.Sprint(id)
	}
	return strings.Join(s, ", ")
}

func props(name string, s *jsonschema.Schema) *orderedmap.OrderedMap[string, *jsonschema.Schema] {
	p := orderedmap.New[string, *jsonschema.Schema]()
	p.Set(name, s)
	return p
}

func refName(ref string) string {
	const prefix = "#/$defs/"
	if len(ref) > len(prefix) && ref[:len(prefix)] == prefix {
		return ref[len(prefix):]
	}
	return ref
}

var (
	durationType = reflect.TypeOf(time.Duration(0))
	secretType   = reflect.TypeOf(connectors.Secret(""))
	blockType    = reflect.TypeOf(connectors.Block{})
	valueType    = reflect.TypeOf(connectors.Value{})
)

func reflector() *jsonschema.Reflector {
	return &jsonschema.Reflector{
		FieldNameTag:               "yaml",
		RequiredFromJSONSchemaTags: true,
		Namer: func(t reflect.Type) string {
			// Kinds' types share names (Config, Connector): qualify them.
			if t.PkgPath() != "" && t.PkgPath() != Module+"/internal/config" {
				return pkgName(t.PkgPath()) + "." + t.Name()
			}
			return t.Name()
		},
		Mapper: func(t reflect.Type) *jsonschema.Schema {
			switch t {
			case durationType:
				return &jsonschema.Schema{Type: "string", Pattern: `^-?([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`,
					Description: "a duration: 500ms, 5s, 1m30s, 2h"}
			case secretType:
				return &jsonschema.Schema{Type: "string",
					Description: "a secret: write ${ENV_VAR}; it is never logged or printed"}
			case blockType, valueType:
				return &jsonschema.Schema{}
			}
			return nil
		},
	}
}

func pkgName(path string) string {
	for i := len(path) - 1; i >= 0; i-- {
		if path[i] == '/' {
			return path[i+1:]
		}
	}
	return path
}

// JSON returns the schema as indented JSON with a final newline.
func JSON(s *jsonschema.Schema) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the schema: %w", err)
	}
	return append(b, '\n'), nil
}

func sortStrings(s []string) { slices.Sort(s) }

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
		ks := r.ReflectFromType(reflect.TypeOf(k.New()).Elem())
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
	return s, nil
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

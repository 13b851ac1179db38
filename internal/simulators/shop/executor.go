package shop

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// object is a value of a GraphQL object type: it resolves its fields.
type object interface {
	field(name string, args map[string]any) (any, error)
}

// executor runs one validated operation. Resolvers return scalars, nil,
// []any for lists and object values for objects.
type executor struct {
	schema *ast.Schema
	doc    *ast.QueryDocument
	vars   map[string]any
	errs   gqlerror.List
}

// run executes op's selection set on root and returns the data, nil when
// a non-null root field failed.
func (e *executor) run(op *ast.OperationDefinition, root object) *orderedMap {
	data, ok := e.execObject("Query", root, op.SelectionSet, nil)
	if !ok {
		return nil
	}
	return data
}

// rootFields returns the distinct schema fields op's root selection asks
// for, in order of appearance (aliases and fragments resolved).
func (e *executor) rootFields(op *ast.OperationDefinition) []string {
	var names []string
	seen := map[string]bool{}
	for _, g := range e.collect("Query", op.SelectionSet) {
		name := g.fields[0].Name
		if !seen[name] && len(name) > 0 && name[0] != '_' {
			seen[name] = true
			names = append(names, name)
		}
	}
	return names
}

type fieldGroup struct {
	key    string
	fields []*ast.Field
}

// collect groups the fields of set that apply to type typeName by response
// key, following fragments and honouring @skip and @include.
func (e *executor) collect(typeName string, set ast.SelectionSet) []fieldGroup {
	var groups []fieldGroup
	index := map[string]int{}
	visited := map[string]bool{}
	var walk func(set ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if !e.included(s.Directives) {
					continue
				}
				key := s.Alias
				if key == "" {
					key = s.Name
				}
				if i, ok := index[key]; ok {
					groups[i].fields = append(groups[i].fields, s)
					continue
				}
				index[key] = len(groups)
				groups = append(groups, fieldGroup{key: key, fields: []*ast.Field{s}})
			case *ast.FragmentSpread:
				if !e.included(s.Directives) || visited[s.Name] {
					continue
				}
				visited[s.Name] = true
				frag := e.doc.Fragments.ForName(s.Name)
				if frag != nil && e.applies(frag.TypeCondition, typeName) {
					walk(frag.SelectionSet)
				}
			case *ast.InlineFragment:
				if e.included(s.Directives) && (s.TypeCondition == "" || e.applies(s.TypeCondition, typeName)) {
					walk(s.SelectionSet)
				}
			}
		}
	}
	walk(set)
	return groups
}

// applies reports whether a fragment on condition applies to typeName.
func (e *executor) applies(condition, typeName string) bool {
	if condition == typeName {
		return true
	}
	cond := e.schema.Types[condition]
	if cond == nil {
		return false
	}
	for _, t := range e.schema.GetPossibleTypes(cond) {
		if t.Name == typeName {
			return true
		}
	}
	return false
}

// included applies @skip(if:) and @include(if:).
func (e *executor) included(ds ast.DirectiveList) bool {
	if d := ds.ForName("skip"); d != nil {
		if v, _ := d.ArgumentMap(e.vars)["if"].(bool); v {
			return false
		}
	}
	if d := ds.ForName("include"); d != nil {
		if v, _ := d.ArgumentMap(e.vars)["if"].(bool); !v {
			return false
		}
	}
	return true
}

// execObject resolves set on obj. ok is false when a non-null field came
// out null: the object itself must then be null.
func (e *executor) execObject(typeName string, obj object, set ast.SelectionSet, path ast.Path) (*orderedMap, bool) {
	out := &orderedMap{}
	for _, g := range e.collect(typeName, set) {
		f := g.fields[0]
		fpath := append(path[:len(path):len(path)], ast.PathName(g.key))
		if f.Name == "__typename" {
			out.add(g.key, typeName)
			continue
		}
		if f.Definition == nil {
			e.fieldError(f, fpath, errors.New("unknown field"))
			return nil, false
		}
		val, err := e.resolve(obj, f)
		if err != nil {
			e.fieldError(f, fpath, err)
			if f.Definition.Type.NonNull {
				return nil, false
			}
			out.add(g.key, nil)
			continue
		}
		v, ok := e.complete(f.Definition.Type, g.fields, val, fpath)
		if !ok {
			return nil, false
		}
		out.add(g.key, v)
	}
	return out, true
}

// resolve calls the resolver, turning a panic into an error.
func (e *executor) resolve(obj object, f *ast.Field) (val any, err error) {
	defer func() {
		if r := recover(); r != nil {
			val, err = nil, errors.New("internal error")
		}
	}()
	return obj.field(f.Name, f.ArgumentMap(e.vars))
}

// complete shapes val by typ. ok is false when val is null (or became
// null through an error) in a non-null position: the null propagates.
func (e *executor) complete(typ *ast.Type, fields []*ast.Field, val any, path ast.Path) (any, bool) {
	if typ.NonNull {
		inner := *typ
		inner.NonNull = false
		v, ok := e.complete(&inner, fields, val, path)
		if ok && v == nil {
			e.fieldError(fields[0], path, errors.New("cannot return null for non-nullable field"))
		}
		return v, ok && v != nil
	}
	if isNil(val) {
		return nil, true
	}
	if typ.Elem != nil {
		items, ok := val.([]any)
		if !ok {
			e.fieldError(fields[0], path, errors.New("internal error: not a list"))
			return nil, true
		}
		out := make([]any, len(items))
		for i, it := range items {
			v, ok := e.complete(typ.Elem, fields, it, append(path[:len(path):len(path)], ast.PathIndex(i)))
			if !ok {
				return nil, true
			}
			out[i] = v
		}
		return out, true
	}
	def := e.schema.Types[typ.NamedType]
	switch {
	case def == nil:
		e.fieldError(fields[0], path, errors.New("internal error: unknown type"))
		return nil, true
	case def.Kind == ast.Scalar || def.Kind == ast.Enum:
		return val, true
	case def.Kind == ast.Object:
		obj, ok := val.(object)
		if !ok {
			e.fieldError(fields[0], path, errors.New("internal error: not an object"))
			return nil, true
		}
		var set ast.SelectionSet
		for _, f := range fields {
			set = append(set, f.SelectionSet...)
		}
		m, ok := e.execObject(def.Name, obj, set, path)
		if !ok {
			return nil, true
		}
		return m, true
	default:
		e.fieldError(fields[0], path, fmt.Errorf("%s types are not supported", def.Kind))
		return nil, true
	}
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

func (e *executor) fieldError(f *ast.Field, path ast.Path, err error) {
	ge := &gqlerror.Error{Message: err.Error(), Path: path}
	if f.Position != nil {
		ge.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	e.errs = append(e.errs, ge)
}

// orderedMap is a JSON object that keeps field order.
type orderedMap struct {
	keys []string
	vals []any
}

func (m *orderedMap) add(k string, v any) {
	m.keys = append(m.keys, k)
	m.vals = append(m.vals, v)
}

// MarshalJSON writes the fields in order.
func (m *orderedMap) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range m.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, err := json.Marshal(k)
		if err != nil {
			return nil, err
		}
		vb, err := json.Marshal(m.vals[i])
		if err != nil {
			return nil, err
		}
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

package graphql

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/harmonyhq/harmony/connectors"
)

// Batch styles.
const (
	// BatchList passes the whole batch in one list variable ($keys) to a
	// field that takes a list: customers(ids: $keys).
	BatchList = "list"
	// BatchAliases repeats the document's one top-level field once per key
	// under an alias, each with its own variable: k0: customer(id: $k0),
	// k1: customer(id: $k1). For APIs that fetch one record per field.
	BatchAliases = "aliases"
)

// VarKey is the per-key variable of an aliases-style document: a single
// key (ID! or String!), renamed $k0, $k1... in the request.
const VarKey = "key"

// maxCachedBatchSizes bounds the documents an aliases operation keeps, one
// per batch size.
const maxCachedBatchSizes = 64

// aliased is an aliases-style operation: a document whose one top-level
// field is repeated per unit (a key, a message) in the request.
type aliased struct {
	*operation
	prefix   string          // alias of unit i: prefix + i ("k0", "m3")
	perUnit  map[string]bool // variables bound per unit
	respName string          // the field's response name in the configured document

	mu    sync.Mutex
	cache map[int]string // unit count → document
}

// parseAliased parses an aliases-style document: exactly one operation of
// type opType with exactly one top-level field; perUnit variables (bound
// per key or message) may be used only inside that field, never in named
// fragments, since each unit gets its own copy of the field.
func parseAliased(key, src string, opType ast.Operation, prefix string, allowed, perUnit, required []string) (*aliased, error) {
	op, doc, err := parseOp(key, src, opType, allowed, required)
	if err != nil {
		return nil, err
	}
	def := doc.Operations[0]
	if len(def.SelectionSet) != 1 {
		return nil, connectors.Invalid(key, "batch aliases: the %s must select exactly one top-level field (it is repeated once per key under an alias), has %d", opType, len(def.SelectionSet))
	}
	f, ok := def.SelectionSet[0].(*ast.Field)
	if !ok {
		return nil, connectors.Invalid(key, "batch aliases: the top-level selection must be a field, not a fragment")
	}
	a := &aliased{operation: op, prefix: prefix, perUnit: map[string]bool{}, respName: f.Alias, cache: map[int]string{}}
	if a.respName == "" {
		a.respName = f.Name
	}
	for _, v := range def.VariableDefinitions {
		for _, p := range perUnit {
			if v.Variable == p {
				a.perUnit[p] = true
			}
		}
		if v.Variable == VarKey && v.Type.Elem != nil {
			return nil, connectors.Invalid(key, "batch aliases: variable $key is one key, not a list (e.g. ID!)")
		}
	}
	for _, frag := range doc.Fragments {
		if name := usesVariable(frag.SelectionSet, a.perUnit); name != "" {
			return nil, connectors.Invalid(key, "batch aliases: fragment %s uses $%s; per-key variables may be used only in the repeated field", frag.Name, name)
		}
	}
	return a, nil
}

// unitVar is the request's name of per-unit variable name for unit i.
func (a *aliased) unitVar(name string, i int) string {
	if name == VarKey {
		return a.prefix + strconv.Itoa(i)
	}
	return a.prefix + strconv.Itoa(i) + "_" + name
}

// alias is the response name of unit i.
func (a *aliased) alias(i int) string { return a.prefix + strconv.Itoa(i) }

// document returns the request document for n units, built from the
// configured one: the per-unit variable definitions and the field repeated
// n times under aliases, each copy using its own variables. Values never
// enter the document: they travel as variables.
func (a *aliased) document(n int) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if src, ok := a.cache[n]; ok {
		return src, nil
	}
	base, err := parser.ParseQuery(&ast.Source{Input: a.src})
	if err != nil {
		return "", fmt.Errorf("parse the configured document: %w", err)
	}
	op := base.Operations[0]
	out := &ast.OperationDefinition{Operation: op.Operation, Name: op.Name, Directives: op.Directives}
	for _, v := range op.VariableDefinitions {
		if !a.perUnit[v.Variable] {
			out.VariableDefinitions = append(out.VariableDefinitions, v)
			continue
		}
		for i := range n {
			c := *v
			c.Variable = a.unitVar(v.Variable, i)
			out.VariableDefinitions = append(out.VariableDefinitions, &c)
		}
	}
	for i := range n {
		// A fresh parse is a deep copy of the field to rename in place.
		copyDoc, err := parser.ParseQuery(&ast.Source{Input: a.src})
		if err != nil {
			return "", fmt.Errorf("parse the configured document: %w", err)
		}
		f := copyDoc.Operations[0].SelectionSet[0].(*ast.Field)
		f.Alias = a.alias(i)
		renameSelection(ast.SelectionSet{f}, func(name string) string {
			if a.perUnit[name] {
				return a.unitVar(name, i)
			}
			return name
		})
		out.SelectionSet = append(out.SelectionSet, f)
	}
	var buf bytes.Buffer
	formatter.NewFormatter(&buf, formatter.WithIndent("  ")).FormatQueryDocument(&ast.QueryDocument{
		Operations: ast.OperationList{out}, Fragments: base.Fragments})
	src := buf.String()
	if len(a.cache) >= maxCachedBatchSizes {
		clear(a.cache)
	}
	a.cache[n] = src
	return src, nil
}

// unit returns unit i's answer as the configured document's own response:
// {"data": {<field>: <the alias's value>}}, so the mappings' paths are
// written against the document as configured ($.data.customer.name).
func (a *aliased) unit(resp map[string]any, i int) map[string]any {
	data, _ := resp["data"].(map[string]any)
	return map[string]any{"data": map[string]any{a.respName: data[a.alias(i)]}}
}

// renameSelection renames the variables used in a selection set.
func renameSelection(sel ast.SelectionSet, rename func(string) string) {
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			renameArgs(s.Arguments, rename)
			renameDirectives(s.Directives, rename)
			renameSelection(s.SelectionSet, rename)
		case *ast.InlineFragment:
			renameDirectives(s.Directives, rename)
			renameSelection(s.SelectionSet, rename)
		case *ast.FragmentSpread:
			renameDirectives(s.Directives, rename)
		}
	}
}

func renameDirectives(ds ast.DirectiveList, rename func(string) string) {
	for _, d := range ds {
		renameArgs(d.Arguments, rename)
	}
}

func renameArgs(args ast.ArgumentList, rename func(string) string) {
	for _, arg := range args {
		renameValue(arg.Value, rename)
	}
}

func renameValue(v *ast.Value, rename func(string) string) {
	if v == nil {
		return
	}
	if v.Kind == ast.Variable {
		v.Raw = rename(v.Raw)
	}
	for _, c := range v.Children {
		renameValue(c.Value, rename)
	}
}

// usesVariable returns one of names that sel uses, "" if none.
func usesVariable(sel ast.SelectionSet, names map[string]bool) string {
	found := ""
	renameSelection(sel, func(name string) string {
		if names[name] && found == "" {
			found = name
		}
		return name
	})
	return found
}

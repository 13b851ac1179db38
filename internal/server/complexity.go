package server

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// codeComplexity is gqlgen's code for an operation over the complexity
// limit, kept so that clients see the same code as before.
const codeComplexity = "COMPLEXITY_LIMIT_EXCEEDED"

// complexityLimit refuses operations that cost more than limit. The cost is
// the one gqlgen's complexity.Calculate gives (the same rules and the
// per-field functions of setComplexity), computed with bounded work:
//
//   - a named fragment's cost does not depend on where it is spread, so each
//     is computed once (gqlgen walks it again at every spread: 39 fragments
//     each spreading the previous one twice are 2^39 walks);
//   - the walk stops as soon as a partial sum passes the limit: every
//     field costs at least its children (see setComplexity), so the total
//     can only be larger.
//
// The walk visits each selection of the document at most once, whatever
// the operation expands to.
type complexityLimit struct {
	limit int
	es    graphql.ExecutableSchema
}

var (
	_ graphql.HandlerExtension        = (*complexityLimit)(nil)
	_ graphql.OperationContextMutator = (*complexityLimit)(nil)
)

// ExtensionName is gqlgen's, so that extension.GetComplexityStats reads
// the stats this one records.
func (*complexityLimit) ExtensionName() string { return "ComplexityLimit" }

func (c *complexityLimit) Validate(es graphql.ExecutableSchema) error {
	c.es = es
	return nil
}

func (c *complexityLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	cost, _ := operationCost(ctx, c.es, oc.Operation, oc.Variables, c.limit)
	oc.Stats.SetExtension("ComplexityLimit", &extension.ComplexityStats{Complexity: cost, ComplexityLimit: c.limit})
	if cost > c.limit {
		err := gqlerror.Errorf("operation costs more than the complexity limit of %d", c.limit)
		errcode.Set(err, codeComplexity)
		return err
	}
	return nil
}

// operationCost returns the complexity of op, as gqlgen computes it, when
// it is at most limit; otherwise some value above limit. steps is the
// number of selections visited: at most the number of selections written
// in the document.
func operationCost(ctx context.Context, es graphql.ExecutableSchema, op *ast.OperationDefinition, vars map[string]any, limit int) (cost, steps int) {
	w := costWalker{es: es, schema: es.Schema(), vars: vars, limit: limit, memo: map[string]int{}, plain: plainFields(ctx, es)}
	cost = w.set(ctx, op.SelectionSet)
	return cost, w.steps
}

type costWalker struct {
	es     graphql.ExecutableSchema
	schema *ast.Schema
	vars   map[string]any
	limit  int
	memo   map[string]int // cost of each named fragment walked
	plain  map[*ast.FieldDefinition]bool
	steps  int
}

// plainCache holds plainFields' answer for each executable schema.
var plainCache sync.Map // graphql.ExecutableSchema → map[*ast.FieldDefinition]bool

// plainFields lists the fields of es's object types that take no argument
// and have no complexity function: each costs 1 plus its children, with
// no call to es.Complexity (which builds an execution context and a
// "Type.field" string) and no argument map. A customer 360 has about a
// hundred fields, nearly all plain. A field with arguments is never
// listed: its function, if any, may need them to answer.
func plainFields(ctx context.Context, es graphql.ExecutableSchema) map[*ast.FieldDefinition]bool {
	if m, ok := plainCache.Load(es); ok {
		return m.(map[*ast.FieldDefinition]bool)
	}
	m := map[*ast.FieldDefinition]bool{}
	for _, t := range es.Schema().Types {
		if t.Kind != ast.Object {
			continue
		}
		for _, f := range t.Fields {
			if len(f.Arguments) > 0 {
				continue
			}
			if _, ok := es.Complexity(ctx, t.Name, f.Name, 0, map[string]any{}); !ok {
				m[f] = true
			}
		}
	}
	plainCache.Store(es, m)
	return m
}

// set is the cost of a selection set: the sum of its selections', or the
// first partial sum above the limit.
func (w *costWalker) set(ctx context.Context, set ast.SelectionSet) int {
	total := 0
	for _, sel := range set {
		w.steps++
		var c int
		switch s := sel.(type) {
		case *ast.Field:
			c = w.field(ctx, s)
		case *ast.FragmentSpread:
			c = w.fragment(ctx, s)
		case *ast.InlineFragment:
			c = w.set(ctx, s.SelectionSet)
		}
		total = safeAdd(total, c)
		if total > w.limit {
			return total
		}
	}
	return total
}

func (w *costWalker) fragment(ctx context.Context, s *ast.FragmentSpread) int {
	if s.Definition == nil {
		return 0
	}
	if c, ok := w.memo[s.Name]; ok {
		return c
	}
	// Validation refuses cycles before this runs; the placeholder keeps a
	// cycle from recursing forever all the same.
	w.memo[s.Name] = 0
	c := w.set(ctx, s.Definition.SelectionSet)
	w.memo[s.Name] = c
	return c
}

func (w *costWalker) field(ctx context.Context, f *ast.Field) int {
	if f.Definition == nil || f.Definition.Type == nil || f.ObjectDefinition == nil {
		return 1 // never after validation
	}
	typ := w.schema.Types[f.Definition.Type.Name()]
	if typ == nil {
		return 1
	}
	if typ.Name == "__Schema" {
		return 0 // as gqlgen: introspection has its own switch
	}
	child := 0
	switch typ.Kind {
	case ast.Object, ast.Interface, ast.Union:
		child = w.set(ctx, f.SelectionSet)
	}
	if child > w.limit {
		return child // the field costs at least its children
	}
	if f.ObjectDefinition.Kind != ast.Interface && w.plain[f.Definition] {
		return safeAdd(1, child)
	}
	args := f.ArgumentMap(w.vars)
	if f.ObjectDefinition.Kind != ast.Interface {
		return w.fieldCost(ctx, f.ObjectDefinition, typ.Kind, f.Name, child, args)
	}
	// An interface's field costs what its most expensive implementation's
	// does, as in gqlgen.
	most := 0
	for _, t := range w.schema.GetPossibleTypes(f.ObjectDefinition) {
		most = max(most, w.fieldCost(ctx, t, typ.Kind, f.Name, child, args))
	}
	return most
}

// fieldCost is gqlgen's: the schema's complexity function when it has one
// that answers at least 1, else 1 plus the children's cost.
func (w *costWalker) fieldCost(ctx context.Context, obj *ast.Definition, kind ast.DefinitionKind, name string, child int, args map[string]any) int {
	if c, ok := w.es.Complexity(ctx, obj.Name, name, child, args); ok && c >= 1 {
		return c
	}
	return safeAdd(1, child)
}

const maxInt = int(^uint(0) >> 1)

// safeAdd is gqlgen's saturating sum that ignores negative operands.
func safeAdd(a, b int) int {
	switch {
	case a < 0 && b < 0:
		return 1
	case a < 0:
		return b
	case b < 0:
		return a
	}
	if c := a + b; c >= a {
		return c
	}
	return maxInt
}

// safeMul is a saturating product of non-negative a and b.
func safeMul(a, b int) int {
	if a <= 0 || b <= 0 {
		return 0
	}
	if a > maxInt/b {
		return maxInt
	}
	return a * b
}

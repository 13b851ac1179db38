package jsonmap

import (
	"encoding/json"

	"github.com/ohler55/ojg/jp"
)

// The fast path evaluates the JSONPaths most mappings use, a root followed
// by member names and array indexes ($.a.b, $.a[0].b, $['a.b'][-1]), or
// such a path ending in a union of member names ($['event','name']), by
// walking the decoded document directly. It gives what jp.Expr.Get gives for
// such paths, without its evaluation stack, and hands every other path
// (wildcards, filters, other unions, slices, recursive descent) and every node of
// a type it does not know to ojg.

// step is one step of a simple path: a member name, or an array index
// (negative indexes count from the end).
type step struct {
	name  string
	index int
	isIdx bool
}

// simpleSteps returns the steps of x when x is a root followed only by
// member names and indexes.
func simpleSteps(x jp.Expr) ([]step, bool) {
	if len(x) == 0 {
		return nil, false
	}
	if _, ok := x[0].(jp.Root); !ok {
		return nil, false
	}
	steps := make([]step, 0, len(x)-1)
	for _, f := range x[1:] {
		switch t := f.(type) {
		case jp.Child:
			steps = append(steps, step{name: string(t)})
		case jp.Nth:
			steps = append(steps, step{index: int(t), isIdx: true})
		default:
			return nil, false
		}
	}
	return steps, true
}

// unionSteps returns the paths of x when x is a simple path followed by a
// union of two or more member names, one path per name, in order; nil
// otherwise.
func unionSteps(x jp.Expr) [][]step {
	if len(x) < 2 {
		return nil
	}
	u, ok := x[len(x)-1].(jp.Union)
	if !ok || len(u) < 2 {
		return nil
	}
	prefix, ok := simpleSteps(x[:len(x)-1])
	if !ok {
		return nil
	}
	alts := make([][]step, 0, len(u))
	for _, k := range u {
		name, ok := k.(string)
		if !ok {
			return nil
		}
		alts = append(alts, append(prefix[:len(prefix):len(prefix)], step{name: name}))
	}
	return alts
}

// walkFirst is walk of the first of alts that selects something: what ojg
// selects first for a union of member names, which it gives in the union's
// order, a JSON null included.
func walkFirst(alts [][]step, doc any) (v any, found, known bool) {
	for _, steps := range alts {
		v, found, known = walk(steps, doc)
		if !known || found {
			return v, found, known
		}
	}
	return nil, false, true
}

// walk evaluates steps against doc. found is false when the path selects
// nothing; known is false when walk met a node it does not handle, and the
// caller must use ojg instead.
func walk(steps []step, doc any) (v any, found, known bool) {
	cur := doc
	for _, s := range steps {
		switch t := cur.(type) {
		case map[string]any:
			if s.isIdx {
				return nil, false, true // an index selects nothing in an object
			}
			next, ok := t[s.name]
			if !ok {
				return nil, false, true
			}
			cur = next
		case []any:
			if !s.isIdx {
				return nil, false, true // a name selects nothing in an array
			}
			i := s.index
			if i < 0 {
				i += len(t)
			}
			if i < 0 || i >= len(t) {
				return nil, false, true
			}
			cur = t[i]
		default:
			if scalar(cur) {
				return nil, false, true // a scalar has no members
			}
			return nil, false, false
		}
	}
	return cur, true, true
}

// scalar reports whether v is a JSON scalar of a type the decoders produce;
// ojg selects nothing below those.
func scalar(v any) bool {
	switch v.(type) {
	case nil, bool, string, json.Number, float64, float32, int, int64, int32, uint64:
		return true
	}
	return false
}

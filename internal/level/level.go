// Package level groups the customers one field produced (one customer, a
// page, a list) so that their fields are resolved together, the way a
// batch resolver gets all its sibling parents at once, also through a
// connection's edges[i].node where gqlgen's own batch resolvers see one
// parent at a time.
//
// A Level does two things. Do runs a field's reads once for every member
// (the first member's resolver issues them all; the others find them), so
// a field of N customers issues one load per key, not N separate batches.
// Arrive counts the selected fields that have issued their reads: when the
// last one has, the level is complete and the operation's batches can be
// sent, one call per source and capability, with no timer. See
// docs/batching.md.
package level

import (
	"sync"

	"github.com/vektah/gqlparser/v2/ast"
)

// Level is one group of sibling customers and the fields selected on them.
// Its methods are safe for concurrent use.
type Level struct {
	ids   []string
	keys  []map[string][]string
	index map[string]int

	mu      sync.Mutex
	waiting map[*ast.Field]bool // selected fields that have not issued their reads
	calls   map[*ast.Field]*call
}

type call struct {
	once sync.Once
	v    any
}

// New makes the level of the customers ids, keys[i] being ids[i]'s keys in
// each system by source name, with the fields selected on them. A field is
// named by its place in the document (its *ast.Field, as the executor's
// field collection gives it): two selections of one field with different
// arguments, under two aliases, are two fields. Fields that go through no
// resolver (`__typename`) must not be listed: they never arrive.
func New(ids []string, keys []map[string][]string, fields []*ast.Field) *Level {
	l := &Level{ids: ids, keys: keys, index: make(map[string]int, len(ids)),
		waiting: make(map[*ast.Field]bool, len(fields)), calls: map[*ast.Field]*call{}}
	for i, id := range ids {
		if _, ok := l.index[id]; !ok {
			l.index[id] = i
		}
	}
	for _, f := range fields {
		l.waiting[f] = true
	}
	return l
}

// Len is the number of members.
func (l *Level) Len() int { return len(l.ids) }

// ID is member i's customer ID.
func (l *Level) ID(i int) string { return l.ids[i] }

// Keys is member i's keys in each system, by source name.
func (l *Level) Keys(i int) map[string][]string { return l.keys[i] }

// Index is the position of the member with customer ID id.
func (l *Level) Index(id string) (int, bool) {
	i, ok := l.index[id]
	return i, ok
}

// Arrive records that field has issued every read it makes before it
// waits, and reports whether the level is complete: every selected field
// has issued its reads, so what they issued can be sent. A field not
// selected, or arriving twice, changes nothing.
func (l *Level) Arrive(field *ast.Field) (complete bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.waiting, field)
	return len(l.waiting) == 0
}

// Complete reports whether every selected field has arrived.
func (l *Level) Complete() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.waiting) == 0
}

// Do runs issue once for field and returns its result to
// every caller: the first member's resolver issues the reads of all
// members, the others wait for it and find them. issue must not wait on
// what it issues.
func Do[T any](l *Level, field *ast.Field, issue func() T) T {
	l.mu.Lock()
	c, ok := l.calls[field]
	if !ok {
		c = &call{}
		l.calls[field] = c
	}
	l.mu.Unlock()
	c.once.Do(func() { c.v = issue() })
	v, _ := c.v.(T)
	return v
}

// Member is an object that belongs to a level (a customer of a page).
type Member interface {
	// OfLevel is the level, nil for none.
	OfLevel() *Level
}

package level

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
)

func TestArriveCompletesWhenEverySelectedFieldHas(t *testing.T) {
	a, b, c := &ast.Field{Alias: "a"}, &ast.Field{Alias: "b"}, &ast.Field{Alias: "c"}
	stranger := &ast.Field{Alias: "a"} // same alias, another place in the document
	for _, tc := range []struct {
		name     string
		selected []*ast.Field
		arrivals []*ast.Field
		want     []bool
	}{
		{"in order", []*ast.Field{a, b, c}, []*ast.Field{a, b, c}, []bool{false, false, true}},
		{"twice counts once", []*ast.Field{a, b}, []*ast.Field{a, a, b}, []bool{false, false, true}},
		{"a field not selected changes nothing", []*ast.Field{a, b}, []*ast.Field{stranger, c, a, b}, []bool{false, false, false, true}},
		{"late arrivals see it complete", []*ast.Field{a}, []*ast.Field{a, b, a}, []bool{true, true, true}},
		{"nothing selected is complete", nil, []*ast.Field{a}, []bool{true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := New([]string{"c1"}, nil, tc.selected)
			for i, f := range tc.arrivals {
				if got := l.Arrive(f); got != tc.want[i] {
					t.Fatalf("arrival %d (%s) = %v, want %v", i, f.Alias, got, tc.want[i])
				}
			}
			if l.Complete() != tc.want[len(tc.want)-1] {
				t.Fatalf("Complete disagrees with the last arrival")
			}
		})
	}
}

// Do runs a field's issue once for the whole level, whichever member's
// resolver gets there first, and every member gets its result.
func TestDoIssuesOncePerField(t *testing.T) {
	f, g := &ast.Field{Alias: "orders"}, &ast.Field{Alias: "orders"}
	l := New([]string{"c1", "c2", "c3"}, []map[string][]string{{"crm": {"1"}}, {"crm": {"2"}}, {"crm": {"3"}}}, []*ast.Field{f, g})
	var issued atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			got := Do(l, f, func() []string {
				issued.Add(1)
				out := make([]string, l.Len())
				for i := range out {
					out[i] = l.Keys(i)["crm"][0]
				}
				return out
			})
			for i, id := range []string{"c1", "c2", "c3"} {
				if j, ok := l.Index(id); !ok || got[j] != l.Keys(i)["crm"][0] {
					t.Errorf("member %s got %v", id, got)
				}
			}
		})
	}
	wg.Wait()
	if n := issued.Load(); n != 1 {
		t.Fatalf("issued %d times for one field, want once", n)
	}
	// The same field name at another place of the document is another
	// field, with its own arguments: issued apart.
	Do(l, g, func() []string { issued.Add(1); return nil })
	if n := issued.Load(); n != 2 {
		t.Fatalf("a second selection of the field was not issued apart")
	}
}

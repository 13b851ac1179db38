package server

import (
	"strconv"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestScanQuery(t *testing.T) {
	tests := []struct {
		name          string
		query         string
		tokens, depth int
	}{
		{"empty", "", 0, 0},
		{"flat", "{ a b }", 4, 1},
		{"nested", "query Q { a { b { c } } }", 11, 3},
		{"arguments and input objects add no depth", `{ a(f: {x: {y: {z: 1}}}) { b } }`, 23, 2},
		{"inline fragments add no depth", "{ a { ... on T { b { ... @include(if: true) { c } } } } }", 24, 3},
		{"fragment definitions are left out", "{ a { ...F } } fragment F on T { b { c { d } } }", 20, 2},
		{"introspection is left out", `{ __schema { types { fields { name } } } t: __type(name: "X") { ofType { ofType { name } } } }`, 29, 1},
		{"comments count, commas do not", "# hi\n{ a, b, }", 5, 1},
		{"unbalanced braces do not panic", "} } { { {", 5, 3},
		{"lexing error stops", `{ a(x: "unterminated) }`, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tokens, depth := scanQuery(tt.query, 100)
			if tokens != tt.tokens || depth != tt.depth {
				t.Errorf("scanQuery = %d tokens, depth %d; want %d, %d", tokens, depth, tt.tokens, tt.depth)
			}
		})
	}
	if n, _ := scanQuery(strings.Repeat("a ", 1000), 10); n != 11 {
		t.Errorf("scan past the limit: %d tokens, want it to stop at 11", n)
	}
}

func TestShapeWalker(t *testing.T) {
	// Fragments spread twice at each of 40 levels: 2^40 spreads expanded,
	// one visit each here.
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	for i := range 40 {
		b.WriteString("fragment F" + strconv.Itoa(i) + " on Q { ...F" + strconv.Itoa(i+1) + " ...F" + strconv.Itoa(i+1) + " }\n")
	}
	b.WriteString("fragment F40 on Q { x: a { b } }\n")
	tests := []struct {
		name           string
		query          string
		depth, aliases int
		roots          int
	}{
		{"plain", "{ a { b } c }", 2, 0, 2},
		{"aliases", "{ x: a { y: b } z: c c }", 2, 3, 3},
		{"same key merges at the root", "{ a a x: a }", 1, 1, 2},
		{"fragment aliases count where spread", "{ ...F ...F x { ...F } } fragment F on T { p: a q: b }", 2, 6, 3},
		{"introspection adds no depth", "{ __schema { types { name } } a }", 1, 0, 2},
		{"exponential fragments", b.String(), 2, saturated, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			// What validation does for the walker: link spreads.
			var link func(ast.SelectionSet)
			link = func(set ast.SelectionSet) {
				for _, sel := range set {
					switch x := sel.(type) {
					case *ast.Field:
						link(x.SelectionSet)
					case *ast.InlineFragment:
						link(x.SelectionSet)
					case *ast.FragmentSpread:
						x.Definition = doc.Fragments.ForName(x.Name)
					}
				}
			}
			link(doc.Operations[0].SelectionSet)
			for _, f := range doc.Fragments {
				link(f.SelectionSet)
			}
			w := shapeWalker{memo: map[string]shape{}}
			s := w.set(doc.Operations[0].SelectionSet)
			roots := rootFields(doc.Operations[0].SelectionSet, map[string]bool{}, map[string]bool{})
			if s.depth != tt.depth || s.aliases != tt.aliases || roots != tt.roots {
				t.Errorf("depth %d, aliases %d, root fields %d; want %d, %d, %d", s.depth, s.aliases, roots, tt.depth, tt.aliases, tt.roots)
			}
		})
	}
}

func TestRemoteKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"192.0.2.1:5555", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[::1]:80", "::/64"},
		{"not an address", "not an address"},
	}
	for _, tt := range tests {
		if got := remoteKey(tt.in); got != tt.want {
			t.Errorf("remoteKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

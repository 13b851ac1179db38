package jsonmap

import (
	"encoding/json"
	"reflect"
	"testing"
)

// fastPathDocs are the documents of the differential tests, as JSON.
var fastPathDocs = []string{
	`{}`,
	`[]`,
	`null`,
	`"text"`,
	`12`,
	`1.5`,
	`true`,
	`{"a": {"b": {"c": "deep"}}, "n": null, "z": 0, "f": 12.5, "big": 123456789012345678901234567890, "t": true, "s": ""}`,
	`{"a": [{"b": 1}, {"b": null}, {"b": [1, 2, 3]}], "e": [], "o": {}}`,
	`[{"id": 1}, {"id": 2}, null, "x", [1, [2, [3]]]]`,
	`{"é": {"日本": "ok"}, "a.b": {"c[0]": "quoted"}, "a'b": 1, "": {"": "empty"}, "0": "zero", "-1": "minus"}`,
	`{"a": "scalar", "b": 5, "c": false, "d": 1e400, "e": -0.0, "n": {"x": null}}`,
	`{"list": [[["x"]]], "a": {"0": "name zero", "b": [null]}}`,
}

// fastPathPaths are the paths of the differential tests; the simple ones
// take the fast path, the others check that they do not.
var fastPathPaths = []string{
	"$", "$.a", "$.a.b", "$.a.b.c", "$.a.b.c.d", "$.n", "$.n.x", "$.z", "$.z.x", "$.f", "$.big", "$.big.x",
	"$.t.x", "$.s.x", "$.missing", "$.missing.key",
	"$[0]", "$[1]", "$[2]", "$[-1]", "$[-5]", "$[-6]", "$[5]", "$[0].id", "$[2].id", "$[3].x", "$[4][1][1][0]", "$[4][-1][-1][-1]",
	"$.a[0]", "$.a[0].b", "$.a[1].b", "$.a[1].b.c", "$.a[2].b[2]", "$.a[2].b[-3]", "$.a[2].b[3]", "$.a[-1].b[0]", "$.a.b[0]",
	"$.a[0][0]", "$.e[0]", "$.o.x", "$.a.0", "$.0", "$[0].a",
	"$.é", "$.é.日本", "$['é']['日本']", "$['a.b']", "$['a.b']['c[0]']", "$['a\\'b']", "$['']", "$[''][''][0]", "$['-1']",
	"$.d", "$.e", "$.a.b.c[0]", "$.list[0][0][0]", "$.list[0][0][0].x", "$.a['0']", "$.a.b[0]",
	// not simple: always evaluated by ojg
	"$.*", "$.a[*].b", "$..b", "$.a[0,1].b", "$.a[1:3]", "$.a[?(@.b == 1)].b",
	// a union of names at the end: the fast path's first name present
	"$['a','f']", "$['n','z']", "$['missing','s']", "$['0','-1']", "$.a['b','x']", "$.o['x','y']", "$[0]['id','x']",
	"$.a[0]['x','b']", "$.n['x','y']",
}

func decodeTest(t testing.TB, src string) any {
	t.Helper()
	doc, err := DecodeBytes([]byte(src))
	if err != nil {
		t.Fatalf("decode %s: %v", src, err)
	}
	return doc
}

// checkSame compares the value's Get and All, fast path or not, with ojg's
// evaluation of the same path.
func checkSame(t *testing.T, v Value, doc any, what string) {
	t.Helper()
	want := v.path.Get(doc)
	if v.alts != nil {
		// A union of names: Get takes the first name present, as ojg.
		got, ok := v.Get(doc)
		if ok != (len(want) > 0) || (ok && !reflect.DeepEqual(got, want[0])) {
			t.Fatalf("%s: Get = %#v, %v; ojg = %#v", what, got, ok, want)
		}
	}
	if !v.fast {
		// ojg evaluates both; a wildcard over an object has no fixed order.
		if n := len(v.All(doc)); n != len(want) {
			t.Fatalf("%s: All selects %d nodes, ojg %d", what, n, len(want))
		}
		return
	}
	got, ok := v.Get(doc)
	if ok != (len(want) > 0) {
		t.Fatalf("%s: Get found %v, ojg found %d nodes", what, ok, len(want))
	}
	if ok && !reflect.DeepEqual(got, want[0]) {
		t.Fatalf("%s: Get = %#v, ojg = %#v", what, got, want[0])
	}
	all := v.All(doc)
	if len(all) != len(want) || (len(want) > 0 && !reflect.DeepEqual(all, want)) {
		t.Fatalf("%s: All = %#v, ojg = %#v", what, all, want)
	}
}

func TestFastPathMatchesOJG(t *testing.T) {
	simple := 0
	for _, p := range fastPathPaths {
		v, err := Compile("test", p)
		if err != nil {
			t.Fatalf("compile %s: %v", p, err)
		}
		if v.fast {
			simple++
		}
		for _, src := range fastPathDocs {
			checkSame(t, v, decodeTest(t, src), p+" on "+src)
		}
	}
	if simple < len(fastPathPaths)-15 {
		t.Errorf("only %d of %d paths take the fast path", simple, len(fastPathPaths))
	}
}

func TestFastPathKinds(t *testing.T) {
	for _, tc := range []struct {
		path string
		fast bool
	}{
		{"$", true},
		{"$.a.b", true},
		{"$.a[0].b", true},
		{"$['a.b'][-1]", true},
		{"$.a[*]", false},
		{"$..a", false},
		{"$.a[?(@.x > 1)]", false},
		{"$.a[0,1]", false},
		{"$.a['b','c']", false}, // a union of names: alts, below
		{"$.a[1:2]", false},
	} {
		v := MustCompile(tc.path)
		if v.fast != tc.fast {
			t.Errorf("%s: fast = %v, want %v", tc.path, v.fast, tc.fast)
		}
	}
}

// TestFastPathOtherTypes checks documents not decoded by Decode: named map
// types, typed values and structs go to ojg, which reads them by reflection.
func TestFastPathOtherTypes(t *testing.T) {
	type named map[string]any
	type rec struct {
		A string `json:"a"`
	}
	docs := []any{
		named{"a": "named"},
		map[string]any{"x": named{"a": "inner"}},
		map[string]any{"x": map[string]string{"a": "typed"}},
		map[string]any{"x": []string{"a", "b"}},
		map[string]any{"x": rec{A: "struct"}},
		map[string]any{"x": &rec{A: "pointer"}},
		map[string]any{"x": json.Number("12")},
		[]any{named{"a": "in list"}},
		rec{A: "root struct"},
	}
	for _, p := range []string{"$.a", "$.x.a", "$.x[0]", "$.x[-1]", "$[0].a", "$.x", "$.A", "$.x.A"} {
		v := MustCompile(p)
		for i, doc := range docs {
			checkSame(t, v, doc, p+" on doc "+string(rune('0'+i)))
		}
	}
}

// FuzzPathFastPath compares the fast path with ojg over arbitrary simple
// paths and documents.
func FuzzPathFastPath(f *testing.F) {
	for _, p := range fastPathPaths {
		for _, d := range fastPathDocs {
			f.Add(p, d)
		}
	}
	f.Fuzz(func(t *testing.T, path, src string) {
		v, err := Compile("fuzz", path)
		if err != nil || !v.IsPath() {
			return
		}
		doc, err := DecodeBytes([]byte(src))
		if err != nil {
			return
		}
		checkSame(t, v, doc, path+" on "+src)
	})
}

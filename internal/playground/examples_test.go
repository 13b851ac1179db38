package playground

import (
	"slices"
	"testing"
	"testing/fstest"

	"github.com/harmonyhq/harmony/docs/queries"
)

// The examples open in the order of their numbers: 1, 2, …, 10, never 1,
// 10, 2; each with its variables when a NAME.json exists.
func TestLoadExamplesSortsByNumber(t *testing.T) {
	fsys := fstest.MapFS{
		"10-search.graphql": {Data: []byte("query Search { a }")},
		"10-search.json":    {Data: []byte(` {"q": "x"} ` + "\n")},
		"2-page.graphql":    {Data: []byte("query Page { a }")},
		"1-by-id.graphql":   {Data: []byte("query ById { a }")},
		"11-more.graphql":   {Data: []byte("query More { a }")},
		"readme.graphql":    {Data: []byte("query Readme { a }")},
		"9-history.graphql": {Data: []byte("query History { a }")},
		"notes.txt":         {Data: []byte("not an operation")},
		"orphan-vars.json":  {Data: []byte(`{}`)},
	}
	ex, err := LoadExamples(fsys)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ex {
		names = append(names, e.Name)
	}
	if want := []string{"1-by-id", "2-page", "9-history", "10-search", "11-more", "readme"}; !slices.Equal(names, want) {
		t.Fatalf("examples in order %v, want %v", names, want)
	}
	if ex[3].Variables != `{"q": "x"}` || ex[0].Variables != "" {
		t.Errorf("variables = %q and %q, want the trimmed JSON and none", ex[3].Variables, ex[0].Variables)
	}
}

// The saved example operations the demo opens are in their numbers' order.
func TestDemoExamplesInOrder(t *testing.T) {
	ex, err := LoadExamples(queries.Files)
	if err != nil {
		t.Fatal(err)
	}
	if len(ex) < 11 {
		t.Fatalf("%d examples, want the saved operations", len(ex))
	}
	for i, e := range ex {
		if n, ok := leadingNumber(e.Name); !ok || n != i+1 {
			t.Fatalf("example %d is %q, want number %d", i, e.Name, i+1)
		}
	}
}

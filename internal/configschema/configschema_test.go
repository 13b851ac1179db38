package configschema

import (
	"os"
	"strings"
	"testing"
)

// TestPublishedFilesAreCurrent fails when the configuration's Go types
// changed and `go generate ./...` was not run: the published schema and
// reference must be what the types give.
func TestPublishedFilesAreCurrent(t *testing.T) {
	s, err := Generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	js, err := JSON(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct{ path, want string }{
		{"../../docs/harmony.schema.json", string(js)},
		{"../../docs/config-reference.md", Reference(s)},
	} {
		got, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != f.want {
			t.Errorf("%s is stale: run `go generate ./...` and commit it", f.path)
		}
	}
}

func TestSchemaDescribesEveryKindAndKey(t *testing.T) {
	s, err := Generate("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"rest", "graphql", "sql", "mongodb"} {
		def, ok := s.Definitions["kind-"+kind]
		if !ok || def.Properties.Len() == 0 {
			t.Errorf("kind %s has no schema", kind)
		}
	}
	ref := Reference(s)
	for _, want := range []string{"| `server.max_depth` | integer |", "### `mongodb`", "| `uri` | string | URI is the deployment's connection string."} {
		if !strings.Contains(ref, want) {
			t.Errorf("the reference lacks %q", want)
		}
	}
	// A key without a doc comment is a key integrators cannot look up.
	var undocumented []string
	for _, line := range strings.Split(ref, "\n") {
		if strings.HasPrefix(line, "| `") && strings.HasSuffix(line, "|  |") {
			undocumented = append(undocumented, strings.Fields(line)[1])
		}
	}
	if len(undocumented) > 0 {
		t.Errorf("%d keys have no doc comment, so no description in the schema and the reference: %v", len(undocumented), undocumented)
	}
}

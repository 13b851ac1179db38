package importrules_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/importrules"
)

// TestTreeKeepsTheRules reads the imports of every non-test Go file of the
// module and fails on each one a rule forbids.
func TestTreeKeepsTheRules(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "examples") {
				return filepath.SkipDir // examples are modules of their own
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			for _, r := range importrules.Check(rel, p) {
				t.Errorf("%s/%s imports %s: rule %s: %s", rel, name, p, r.Name, r.Why)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("read %d files: not the module's tree", files)
	}
}

func TestCheck(t *testing.T) {
	const m = importrules.Module
	tests := []struct {
		dir, path string
		want      string // the rule broken, "" for none
	}{
		{"connectors/rest", m + "/internal/testenv", "sdk-stays-public"},
		{"connectors", m + "/graph/model", "sdk-stays-public"},
		{"connectors/mongodb", m + "/connectors/internal/mapcheck", ""},
		{"connectors/jsonmap", m + "/connectors", ""},
		{"internal/audit", m + "/graph/model", "domain-below-graph"},
		{"internal/survivorship", m + "/resolvers", "domain-below-graph"},
		{"internal/server", m + "/graph/model", ""},
		{"internal/app", m + "/resolvers", ""},
		{"internal/serverless", m + "/graph", "domain-below-graph"}, // a prefix is not a parent
		{"internal/identity", m + "/graphql", ""},
		{"resolvers", m + "/graph/model", ""},
	}
	for _, tt := range tests {
		got := ""
		if rs := importrules.Check(tt.dir, tt.path); len(rs) > 0 {
			got = rs[0].Name
		}
		if got != tt.want {
			t.Errorf("%s importing %s: broke %q, want %q", tt.dir, tt.path, got, tt.want)
		}
	}
}

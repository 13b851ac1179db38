package demo

import (
	"strings"
	"testing"

	_ "github.com/harmonyhq/harmony/connectors/all" // the connector kinds demo.yaml names
	"github.com/harmonyhq/harmony/internal/config"
)

// TestYAMLOnPostgres: the spliced demo configuration parses, keeps every
// connector in its order, and runs the point of sale on PostgreSQL.
func TestYAMLOnPostgres(t *testing.T) {
	lookup := func(name string) (string, bool) {
		switch {
		case name == "POS_DSN":
			return "postgres://u@127.0.0.1:1/db", true
		case strings.HasSuffix(name, "_URL"):
			return "http://127.0.0.1:1", true
		}
		return "a-secret-value-of-some-length", true
	}
	base, err := config.Parse("demo.yaml", YAML(), lookup)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := config.Parse("demo.yaml", YAMLOnPostgres(), lookup)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg.Connectors) != len(base.Connectors) {
		t.Fatalf("%d connectors, want %d", len(pg.Connectors), len(base.Connectors))
	}
	for i := range base.Connectors {
		if pg.Connectors[i].Name != base.Connectors[i].Name {
			t.Errorf("connector %d is %q, want %q", i, pg.Connectors[i].Name, base.Connectors[i].Name)
		}
	}
	text := string(YAMLOnPostgres())
	if !strings.Contains(text, "driver: postgres") || strings.Contains(text, "driver: sqlite") {
		t.Error("the point of sale is not on PostgreSQL alone")
	}
	if !strings.Contains(text, "\n  - name: helpdesk\n") {
		t.Error("the helpdesk block is gone")
	}
}

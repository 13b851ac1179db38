package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/docs/queries"
)

// The saved operations of docs/queries, preloaded in the playground, run
// against the demo without errors and find their customer: their variables
// name a person among the first of the deterministic population, whom the
// tests' smaller population holds too.
func TestExampleOperationsAnswer(t *testing.T) {
	e := boot(t)
	all := queries.All()
	if len(all) < 4 {
		t.Fatalf("only %d example operations", len(all))
	}
	for _, q := range all {
		t.Run(q.Name, func(t *testing.T) {
			var vars map[string]any
			if q.Variables != "" {
				if err := json.Unmarshal([]byte(q.Variables), &vars); err != nil {
					t.Fatalf("variables: %v", err)
				}
			}
			var data map[string]any
			e.mustQuery(t, q.Query, vars, &data)
			for field, v := range data {
				if v == nil {
					t.Errorf("%s is null", field)
				}
			}
			if raw, _ := json.Marshal(data); strings.Contains(string(raw), `"edges":[]`) {
				t.Errorf("an empty list where the example expects data: %s", raw)
			}
		})
	}
}

// The playground page is served from the binary, with the examples.
func TestPlaygroundIsServed(t *testing.T) {
	e := boot(t)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, e.srv.URL+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d (run make assets?)", resp.StatusCode)
	}
}

package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/harmonyhq/harmony/docs/queries"
	"github.com/harmonyhq/harmony/internal/server"
)

func TestQueriesManifest(t *testing.T) {
	for _, args := range [][]string{{"queries", "manifest"}, {"queries", "manifest", "../../docs/queries"}} {
		var out, errs bytes.Buffer
		if code := Main(context.Background(), args, &out, &errs); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs.String())
		}
		var m map[string]string
		if err := json.Unmarshal(out.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		all := queries.All()
		if len(m) != len(all) {
			t.Fatalf("%v: %d operations, want %d", args, len(m), len(all))
		}
		for _, q := range all {
			if m[server.QueryHash(q.Query)] != q.Query {
				t.Errorf("%v: %s is missing or under another hash", args, q.Name)
			}
		}
	}
	var out, errs bytes.Buffer
	if code := Main(context.Background(), []string{"queries", "list"}, &out, &errs); code != 2 {
		t.Errorf("queries list: exit %d, want 2", code)
	}
}

package all_test

import (
	"slices"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	_ "github.com/harmonyhq/harmony/connectors/all"
)

func TestBuiltinKinds(t *testing.T) {
	ids := connectors.KindIDs()
	for _, want := range []string{"graphql", "mongodb", "rest", "sql"} {
		if !slices.Contains(ids, want) {
			t.Errorf("kind %q is not registered (have %v)", want, ids)
		}
		k, _ := connectors.Lookup(want)
		if k.Doc == "" {
			t.Errorf("kind %q has no Doc", want)
		}
	}
}

package graphql_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/connectors/internal/mapcheck"
)

// TestMain runs the package's tests with the responses read both ways,
// the one-pass reader and the general path (decode, then map), compared:
// the conformance kit, the golden cases and every other test fail if the
// two differ on any response.
func TestMain(m *testing.M) {
	restore := mapcheck.Set(mapcheck.Compare)
	code := m.Run()
	restore()
	if n := mapcheck.Mismatches(); n > 0 && code == 0 {
		fmt.Fprintf(os.Stderr, "%d responses were read differently by the one-pass reader and the general path\n", n)
		code = 1
	}
	os.Exit(code)
}

// TestGoldenCasesEachPath replays the golden cases with the one-pass reader
// alone and with the general path alone, and checks that the reader read
// responses itself when both were compared.
func TestGoldenCasesEachPath(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode mapcheck.Mode
	}{{"reader", mapcheck.Direct}, {"general", mapcheck.General}, {"compared", mapcheck.Compare}} {
		t.Run(tc.name, func(t *testing.T) {
			defer mapcheck.Set(tc.mode)()
			before := mapcheck.Directs()
			connectortest.RunCases(t, "testdata/cases", connectors.Env{Name: "golden"})
			if tc.mode == mapcheck.Compare && mapcheck.Directs() == before {
				t.Error("the one-pass reader read none of the recorded answers")
			}
		})
	}
}

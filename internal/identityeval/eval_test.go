package identityeval

import (
	"io"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/testlog"
)

// TestAccuracy runs the harness at the small size through the real
// gateway (rest connectors from harmony.yaml, the embedded store, the
// identity sync): one sync of every record, two in other listing orders,
// three spread over one to five syncs. It fails on what Failures lists:
// any false merge, recall on promised pairs below MinRecall, any record
// grouped otherwise than by the single sync, any record shown and not
// read. The figures are logged (go test -v).
func TestAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs six gateways over the embedded store")
	}
	res, err := Evaluate(t.Context(), Options{Seed: 42, People: SizeSmall, Orders: 2, Splits: 3, ReadBack: true,
		Dir: t.TempDir(), Log: testlog.Logger(io.Discard)})
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Logf("identity accuracy harness\n%s", table.String())
	for _, f := range res.Failures() {
		t.Error(f)
	}
}

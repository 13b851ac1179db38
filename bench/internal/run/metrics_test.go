package run

import (
	"strings"
	"testing"
)

func TestParseCalls(t *testing.T) {
	got, err := parseCalls(strings.NewReader(`# HELP harmony_connector_requests_total Upstream calls made through a connector, one per batch chunk.
# TYPE harmony_connector_requests_total counter
harmony_connector_requests_total{capability="orders",connector="pos"} 12
harmony_connector_requests_total{capability="profiles",connector="pos"} 7
harmony_connector_requests_total_other{capability="orders",connector="pos"} 99
harmony_connector_errors_total{capability="orders",code="UPSTREAM_TIMEOUT",connector="pos"} 3
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["pos orders"] != 12 || got["pos profiles"] != 7 {
		t.Errorf("parseCalls = %v", got)
	}
	if _, err := parseCalls(strings.NewReader(`harmony_connector_requests_total{connector="pos"} twelve` + "\n")); err == nil {
		t.Error("a malformed value was read")
	}
}

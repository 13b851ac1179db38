package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/console"
)

// gqlPost runs one operation against the demo's gateway.
func gqlPost(t *testing.T, base, query string, vars map[string]any, out any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("graphql errors: %v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		t.Fatal(err)
	}
}

// TestConsoleAnalytics opens the analytics page from the header with the
// keyboard and checks its cohort heat map, retention curve, NPS trend and
// channel mix against the gateway's figures, switches to a saved segment,
// and audits the page at a laptop and a phone width.
func TestConsoleAnalytics(t *testing.T) {
	chromium := browserPrereqs(t)
	e := boot(t)
	var seg struct {
		SaveSegment struct {
			ID    string `json:"id"`
			Count int    `json:"count"`
		} `json:"saveSegment"`
	}
	gqlPost(t, e.srv.URL, `mutation { saveSegment(name: "console: shop buyers", filter: {inSystems: ["shop"], minOrders: 1}) { id count } }`, nil, &seg)
	t.Cleanup(func() { _, _ = e.gw.Store.DeleteSegment(context.Background(), seg.SaveSegment.ID) })
	var a struct {
		Analytics struct {
			Customers  int
			Cohorts    []struct{ Month string }
			NPSTrend   []struct{ Month string } `json:"npsTrend"`
			ChannelMix []struct{ Channel string }
		}
	}
	gqlPost(t, e.srv.URL, `{ analytics { customers cohorts { month } npsTrend { month } channelMix { channel } } }`, nil, &a)
	if a.Analytics.Customers == 0 || len(a.Analytics.Cohorts) == 0 || len(a.Analytics.NPSTrend) == 0 || len(a.Analytics.ChannelMix) == 0 {
		t.Fatalf("the demo's analytics are empty: %+v", a.Analytics)
	}
	wantJSON, _ := json.Marshal(map[string]any{
		"customers": a.Analytics.Customers, "cohorts": len(a.Analytics.Cohorts), "npsMonths": len(a.Analytics.NPSTrend),
		"channels": len(a.Analytics.ChannelMix), "segmentId": seg.SaveSegment.ID, "segmentCount": seg.SaveSegment.Count,
	})

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute) // a guard against hangs, not a measurement
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "analytics.mjs")
	cmd.Dir = filepath.Join("testdata", "browser")
	cmd.Env = append(os.Environ(),
		"HARMONY_CHROMIUM="+chromium,
		"HARMONY_CONSOLE_URL="+e.srv.URL+console.Prefix,
		"HARMONY_ANALYTICS_WANT="+string(wantJSON),
		"HARMONY_CONSOLE_ARTIFACTS="+artifacts(t),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	t.Logf("browser check analytics:\n%s", stdout.String())
	if stderr.Len() > 0 {
		t.Logf("stderr:\n%s", stderr.String())
	}
	if runErr != nil {
		t.Fatalf("browser check analytics failed: %v", runErr)
	}
}

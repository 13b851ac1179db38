package gateway

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

func TestRecorderKeepsCallsOnlyWhileOn(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		_, _ = w.Write(b) // the body still reaches the upstream
	}))
	defer upstream.Close()
	rec := &recorder{base: http.DefaultTransport}
	client := &http.Client{Transport: rec}
	post := func(body string) string {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, upstream.URL+"/x", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	control := httptest.NewServer(http.HandlerFunc(rec.serve))
	defer control.Close()

	post(`{"before":1}`)
	start, err := http.NewRequestWithContext(t.Context(), http.MethodPost, control.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.DefaultClient.Do(start); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("start: %v %v", resp, err)
	} else {
		_ = resp.Body.Close()
	}
	if got := post(`{"during":1}`); got != `{"during":1}` {
		t.Errorf("upstream echoed %q", got)
	}
	stop, err := http.NewRequestWithContext(t.Context(), http.MethodGet, control.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(stop)
	if err != nil {
		t.Fatal(err)
	}
	var got Recording
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	post(`{"after":1}`)
	calls := got.HTTP
	if len(calls) != 1 || calls[0].Method != http.MethodPost || string(calls[0].Body) != `{"during":1}` || !strings.HasSuffix(calls[0].URL, "/x") ||
		calls[0].Answered != int64(len(`{"during":1}`)) {
		t.Errorf("recorded %+v, want the one call made while on", calls)
	}
}

// pos is a read-only connector with profiles and orders.
type pos struct{}

func (pos) Close() error { return nil }
func (pos) Profiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		out[i] = &connectors.Profile{Key: k}
	}
	return out, nil
}
func (pos) Orders(_ context.Context, keys []string, _ connectors.Window) ([][]connectors.Order, error) {
	return make([][]connectors.Order, len(keys)), nil
}

func TestSQLRecordingNotesReadsOnlyWhileOn(t *testing.T) {
	rec := &recorder{base: http.DefaultTransport}
	w := &sqlRecording{name: "pos", conn: pos{}, rec: rec}
	if got := w.Capabilities(); !slices.Equal(got, []connectors.Capability{connectors.CapProfiles, connectors.CapOrders}) {
		t.Errorf("capabilities %v, want the wrapped connector's reads", got)
	}
	keys := []string{"P-1", "P-2"}
	if _, err := w.Profiles(t.Context(), keys); err != nil {
		t.Fatal(err)
	}
	rec.on = true
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	out, err := w.Orders(t.Context(), keys, connectors.Window{Since: since, Limit: 6})
	if err != nil || len(out) != 2 {
		t.Fatalf("orders %v, %v: the call must reach the connector", out, err)
	}
	keys[0] = "changed by the caller"
	rec.on = false
	if _, err := w.Orders(t.Context(), keys, connectors.Window{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	want := []SQLCall{{Connector: "pos", Capability: connectors.CapOrders, Keys: []string{"P-1", "P-2"}, Since: since, Limit: 6}}
	if len(rec.sql) != 1 || !reflect.DeepEqual(rec.sql, want) {
		t.Errorf("recorded %+v, want %+v", rec.sql, want)
	}
}

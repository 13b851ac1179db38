package gateway

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
	var calls []Call
	if err := json.NewDecoder(resp.Body).Decode(&calls); err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	post(`{"after":1}`)
	if len(calls) != 1 || calls[0].Method != http.MethodPost || string(calls[0].Body) != `{"during":1}` || !strings.HasSuffix(calls[0].URL, "/x") ||
		calls[0].Answered != int64(len(`{"during":1}`)) {
		t.Errorf("recorded %+v, want the one call made while on", calls)
	}
}

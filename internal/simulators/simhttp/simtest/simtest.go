package simtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"
)

// Target is a simhttp-based simulator.
type Target interface {
	URL() string
	Total() int64
	Reset()
	SetLatency(d time.Duration)
	SetDown(down bool)
	SetGarbage(garbage bool)
	Stop()
}

// Do sends req and returns the status and body.
func Do(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req) //nolint:gosec // G704: the test sends its own requests to its own simulator
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp.StatusCode, body
}

// NewRequest builds a request bound to the test's context; body, if not
// nil, is sent as JSON.
func NewRequest(t *testing.T, method, url string, body any) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req
}

// DoJSON sends req, expects status want and decodes the body into out.
func DoJSON(t *testing.T, req *http.Request, want int, out any) {
	t.Helper()
	status, body := Do(t, req)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d (body %.200s)", req.Method, req.URL.Path, status, want, body)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("decode %s: %v", req.URL.Path, err)
		}
	}
}

// Injection checks outage, garbage, latency and the control endpoints on
// srv. newReq returns a valid, authenticated request that answers 200.
func Injection(t *testing.T, srv Target, newReq func() *http.Request) {
	t.Helper()
	t.Cleanup(func() {
		srv.SetDown(false)
		srv.SetGarbage(false)
		srv.SetLatency(0)
	})

	t.Run("down answers 503 JSON", func(t *testing.T) {
		srv.SetDown(true)
		defer srv.SetDown(false)
		status, body := Do(t, newReq())
		if status != http.StatusServiceUnavailable || !json.Valid(body) {
			t.Errorf("status %d, body valid JSON %v; want 503 JSON", status, json.Valid(body))
		}
	})
	t.Run("garbage answers invalid JSON", func(t *testing.T) {
		srv.SetGarbage(true)
		defer srv.SetGarbage(false)
		status, body := Do(t, newReq())
		if status != http.StatusOK || json.Valid(body) {
			t.Errorf("status %d, body valid JSON %v; want 200 and invalid JSON", status, json.Valid(body))
		}
	})
	t.Run("latency delays requests", func(t *testing.T) {
		const d = 60 * time.Millisecond
		srv.SetLatency(d)
		defer srv.SetLatency(0)
		start := time.Now()
		if status, _ := Do(t, newReq()); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		if got := time.Since(start); got < d {
			t.Errorf("request took %v, want at least %v", got, d)
		}
	})
	t.Run("control endpoint works while down", func(t *testing.T) {
		srv.Reset()
		down := NewRequest(t, http.MethodPost, srv.URL()+"/_sim/control", map[string]any{"down": true, "latency_ms": 0})
		DoJSON(t, down, http.StatusOK, nil)
		if status, _ := Do(t, newReq()); status != http.StatusServiceUnavailable {
			t.Errorf("after control down: status %d, want 503", status)
		}
		var stats struct {
			Requests int64            `json:"requests"`
			Routes   map[string]int64 `json:"routes"`
		}
		DoJSON(t, NewRequest(t, http.MethodGet, srv.URL()+"/_sim/stats", nil), http.StatusOK, &stats)
		if stats.Requests != 1 {
			t.Errorf("stats requests = %d, want 1 (control calls are not counted)", stats.Requests)
		}
		up := NewRequest(t, http.MethodPost, srv.URL()+"/_sim/control", map[string]any{"down": false, "reset": true})
		DoJSON(t, up, http.StatusOK, nil)
		if status, _ := Do(t, newReq()); status != http.StatusOK {
			t.Errorf("after control up: status %d, want 200", status)
		}
		if got := srv.Total(); got != 1 {
			t.Errorf("Total after reset and one request = %d, want 1", got)
		}
	})
}

// Stopped stops srv and checks that connections are refused.
func Stopped(t *testing.T, srv Target, newReq func() *http.Request) {
	t.Helper()
	srv.Stop()
	srv.Stop() // idempotent
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(newReq())
	if err == nil {
		_ = resp.Body.Close()
		t.Fatalf("request after Stop answered %d, want a refused connection", resp.StatusCode)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("error after Stop = %v, want connection refused", err)
	}
}

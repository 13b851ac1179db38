package simhttp_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

func TestFaultModes(t *testing.T) {
	s := newTestServer(t)
	get := func(ctx context.Context) (*http.Response, error) {
		req := authed(t, http.MethodGet, s.URL()+"/items?ids=a")
		return http.DefaultClient.Do(req.WithContext(ctx)) //nolint:gosec // G704: the test's own simulator
	}
	tests := []struct {
		name  string
		fault func()
		check func(t *testing.T, resp *http.Response, err error)
	}{
		{"status", func() { s.SetStatus(http.StatusInternalServerError) }, func(t *testing.T, resp *http.Response, err error) {
			if err != nil || resp.StatusCode != http.StatusInternalServerError {
				t.Errorf("got %v, %v; want 500", resp, err)
			}
		}},
		{"huge", func() { s.SetHuge(3 << 20) }, func(t *testing.T, resp *http.Response, err error) {
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if len(body) < 3<<20 || !json.Valid(body) {
				t.Errorf("body of %d bytes, valid JSON %v; want over 3 MiB of JSON", len(body), json.Valid(body))
			}
		}},
		{"hang", func() { s.SetHang(true) }, func(t *testing.T, _ *http.Response, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err = %v, want the client's deadline", err)
			}
		}},
		{"closed", func() {
			if err := s.SetClosed(true); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, _ *http.Response, err error) {
			if err == nil {
				t.Error("a closed listener answered")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fault()
			wait := 10 * time.Second
			if tt.name == "hang" {
				wait = 300 * time.Millisecond // the only way out
			}
			ctx, cancel := context.WithTimeout(t.Context(), wait)
			defer cancel()
			resp, err := get(ctx)
			if resp != nil {
				defer resp.Body.Close()
			}
			tt.check(t, resp, err)
			if err := s.Heal(); err != nil {
				t.Fatal(err)
			}
			simtest.DoJSON(t, authed(t, http.MethodGet, s.URL()+"/items?ids=a"), http.StatusOK, nil)
		})
	}
}

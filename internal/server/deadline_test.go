package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// deadlines records the deadline of each request it serves.
type deadlines struct {
	mu   sync.Mutex
	seen []time.Time // zero: none
}

func (d *deadlines) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	dl, _ := r.Context().Deadline()
	d.mu.Lock()
	d.seen = append(d.seen, dl)
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"data":{}}`))
}

// TestRequestsCarryADeadline: a request to /graphql carries a deadline in
// its context, and the operations of a batch share it (one budget for the
// batch, not one each); websockets and SSE streams carry none.
func TestRequestsCarryADeadline(t *testing.T) {
	const d = time.Minute
	rec := &deadlines{}
	h := withDeadline(d, guardRequests(1<<20, 10, serveBatch(rec)))
	op := `{"query":"{ __typename }"}`
	send := func(body string, headers ...string) {
		req := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		if body == "" {
			req.Method, req.Body = http.MethodGet, http.NoBody
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	before := time.Now()
	send(op)
	send("[" + op + "," + op + "," + op + "]")
	send(op, "Accept", "text/event-stream")
	send("", "Upgrade", "websocket", "Connection", "Upgrade")
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.seen) != 6 {
		t.Fatalf("%d requests served, want 6", len(rec.seen))
	}
	for i, dl := range rec.seen[:4] {
		if dl.IsZero() || dl.Before(before.Add(d)) || dl.After(time.Now().Add(d)) {
			t.Errorf("request %d: deadline %v, want %s from its start", i, dl, d)
		}
	}
	if b := rec.seen[1:4]; !b[0].Equal(b[1]) || !b[1].Equal(b[2]) {
		t.Errorf("the operations of a batch have deadlines %v, want one shared", b)
	}
	if !rec.seen[4].IsZero() || !rec.seen[5].IsZero() {
		t.Errorf("SSE and websocket deadlines %v, %v: want none", rec.seen[4], rec.seen[5])
	}
}

// TestALeavingClientCancelsTheRequest: the request's context (the one the
// operation's reads use) ends as soon as the client goes away.
func TestALeavingClientCancelsTheRequest(t *testing.T) {
	started, ended := make(chan struct{}), make(chan error, 1)
	// The chain of /graphql: the operation runs once guardRequests has
	// read the body (net/http watches for the client leaving from then).
	ts := httptest.NewServer(withDeadline(time.Minute, guardRequests(1<<20, 10, serveBatch(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		close(started)
		<-r.Context().Done()
		ended <- r.Context().Err()
	})))))
	defer ts.Close()
	ctx, cancel := context.WithCancel(t.Context())
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.URL+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
	req.Header.Set("Content-Type", "application/json")
	go func() {
		<-started
		cancel()
	}()
	if resp, err := http.DefaultClient.Do(req); err == nil {
		_ = resp.Body.Close()
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the request ended with %v, want canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request's context outlived its client by 10 s")
	}
}

package simhttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Server is a running simulator HTTP server.
type Server struct {
	name string
	auth AuthFunc
	mux  *http.ServeMux
	url  string

	lmu     sync.Mutex // guards srv, addr, closed and stopped
	srv     *http.Server
	addr    string
	closed  bool
	stopped bool

	mu     sync.Mutex
	routes map[string]int64
	total  atomic.Int64

	latency atomic.Int64 // nanoseconds
	down    atomic.Bool
	garbage atomic.Bool
	hang    atomic.Bool
	status  atomic.Int64 // forced HTTP status, 0 for none
	huge    atomic.Int64 // bytes of an oversized 200 answer, 0 for none

	started atomic.Bool
	stop    sync.Once
}

// New returns a server named name (e.g. "crm") whose endpoints require
// auth (nil: none). Register endpoints with Handle, then call Start.
func New(name string, auth AuthFunc) *Server {
	s := &Server{name: name, auth: auth, mux: http.NewServeMux(), routes: map[string]int64{}}
	s.mux.HandleFunc("GET /_sim/stats", s.serveStats)
	s.mux.HandleFunc("POST /_sim/control", s.serveControl)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		WriteError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	return s
}

// Handle registers h for a net/http pattern ("GET /v1/calls"). Requests
// are counted under route; with route "" only Total counts them and h
// records routes itself with Hit (the GraphQL simulator counts root
// fields).
func (s *Server) Handle(pattern, route string, h http.HandlerFunc) {
	s.HandleSelect(pattern, func(*http.Request) string { return route }, h)
}

// HandleSelect is Handle for an endpoint that serves several routes: route
// names the route of each request (from its query, say).
func (s *Server) HandleSelect(pattern string, route func(r *http.Request) string, h http.HandlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		s.total.Add(1)
		if name := route(r); name != "" {
			s.Hit(name)
		}
		if d := time.Duration(s.latency.Load()); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		switch {
		case s.hang.Load():
			// Accepted, never answered: the client's deadline ends it.
			<-r.Context().Done()
		case s.status.Load() != 0:
			WriteError(w, int(s.status.Load()), "injected", "injected failure")
		case s.huge.Load() > 0:
			writeHuge(w, s.huge.Load())
		case s.down.Load():
			WriteError(w, http.StatusServiceUnavailable, "unavailable", "service unavailable (simulated outage)")
		case s.garbage.Load():
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, garbageBody)
		case s.auth != nil && !s.auth(r):
			WriteError(w, http.StatusUnauthorized, "unauthorized", "missing or invalid credentials")
		default:
			h(w, r)
		}
	})
}

// garbageBody is what a broken upstream or proxy sends: cut-off JSON.
const garbageBody = `{"status":"COMPLETE","results":[{"id":"10`

// writeHuge answers 200 with a JSON document of about n bytes, streamed:
// an upstream that returns far more than anyone asked for.
func writeHuge(w http.ResponseWriter, n int64) {
	const head, tail = `{"padding":"`, `"}`
	w.Header().Set("Content-Type", "application/json")
	// Said up front, as servers do for what they hold whole.
	w.Header().Set("Content-Length", strconv.FormatInt(int64(len(head))+n+int64(len(tail)), 10))
	_, _ = io.WriteString(w, head)
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	for left := n; left > 0; left -= int64(len(chunk)) {
		if _, err := w.Write(chunk[:min(int64(len(chunk)), left)]); err != nil {
			return // the client stopped reading
		}
	}
	_, _ = io.WriteString(w, tail)
}

// Start listens on 127.0.0.1:0 and serves in the background. ctx bounds
// the listening only: the server runs until Stop.
func (s *Server) Start(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("simhttp: server already started")
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("%s simulator: listen: %w", s.name, err)
	}
	s.url = "http://" + ln.Addr().String()
	s.lmu.Lock()
	defer s.lmu.Unlock()
	s.addr = ln.Addr().String()
	s.serve(ln)
	return nil
}

// serve serves ln with a new http.Server; s.lmu is held.
func (s *Server) serve(ln net.Listener) {
	srv := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	s.srv = srv
	go func() { _ = srv.Serve(ln) }()
}

// SetClosed closes the listener and every open connection while closed is
// true, so that connections are refused as from a host that is down, and
// listens again on the same address when it is false.
func (s *Server) SetClosed(closed bool) error {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	if s.srv == nil || s.stopped || closed == s.closed {
		return nil
	}
	if closed {
		s.closed = true
		if err := s.srv.Close(); err != nil {
			return fmt.Errorf("%s simulator: close: %w", s.name, err)
		}
		return nil
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", s.addr)
	if err != nil {
		return fmt.Errorf("%s simulator: listen again: %w", s.name, err)
	}
	s.closed = false
	s.serve(ln)
	return nil
}

// Closed reports whether the listener is closed by SetClosed.
func (s *Server) Closed() bool {
	s.lmu.Lock()
	defer s.lmu.Unlock()
	return s.closed
}

// Name returns the simulator's name.
func (s *Server) Name() string { return s.name }

// URL returns the base URL, "http://127.0.0.1:port", without trailing
// slash.
func (s *Server) URL() string { return s.url }

// Stop closes the listener and every open connection: later connections
// are refused. It is safe to call more than once.
func (s *Server) Stop() {
	s.stop.Do(func() {
		s.lmu.Lock()
		defer s.lmu.Unlock()
		if s.srv != nil {
			_ = s.srv.Close()
		}
		s.closed, s.stopped = true, true
	})
}

// Close is Stop, returning nil, for io.Closer.
func (s *Server) Close() error {
	s.Stop()
	return nil
}

// Shutdown stops accepting and waits for in-flight requests until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.lmu.Lock()
	srv := s.srv
	s.lmu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("%s simulator: shutdown: %w", s.name, err)
	}
	return nil
}

// Hit counts one call of route.
func (s *Server) Hit(route string) {
	s.mu.Lock()
	s.routes[route]++
	s.mu.Unlock()
}

// Count returns the calls of route since the last Reset.
func (s *Server) Count(route string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.routes[route]
}

// Counts returns a copy of the per-route counts.
func (s *Server) Counts() map[string]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.routes)
}

// Total returns the requests served since the last Reset.
func (s *Server) Total() int64 { return s.total.Load() }

// Reset zeroes the counts.
func (s *Server) Reset() {
	s.mu.Lock()
	clear(s.routes)
	s.total.Store(0)
	s.mu.Unlock()
}

// SetLatency delays every counted request by d before it is handled.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(max(d, 0))) }

// Latency returns the injected latency.
func (s *Server) Latency() time.Duration { return time.Duration(s.latency.Load()) }

// SetDown makes every counted request answer 503 while down is true.
func (s *Server) SetDown(down bool) { s.down.Store(down) }

// Down reports whether the server simulates an outage.
func (s *Server) Down() bool { return s.down.Load() }

// SetGarbage makes every counted request answer 200 with a body that is
// not valid JSON while garbage is true.
func (s *Server) SetGarbage(garbage bool) { s.garbage.Store(garbage) }

// Garbage reports whether the server answers garbage.
func (s *Server) Garbage() bool { return s.garbage.Load() }

// SetHang makes every counted request be accepted and never answered while
// hang is true: the client's deadline is the only way out.
func (s *Server) SetHang(hang bool) { s.hang.Store(hang) }

// Hang reports whether requests hang.
func (s *Server) Hang() bool { return s.hang.Load() }

// SetStatus makes every counted request answer status (500, 429...) with an
// error body; 0 turns it off.
func (s *Server) SetStatus(status int) { s.status.Store(int64(status)) }

// Status returns the forced status, 0 for none.
func (s *Server) Status() int { return int(s.status.Load()) }

// SetHuge makes every counted request answer 200 with a JSON body of about
// n bytes; 0 turns it off.
func (s *Server) SetHuge(n int64) { s.huge.Store(max(n, 0)) }

// Huge returns the size of the oversized answers, 0 for none.
func (s *Server) Huge() int64 { return s.huge.Load() }

// Heal turns every injected fault off: latency, outage, garbage, hang,
// forced status, oversized answers and a closed listener.
func (s *Server) Heal() error {
	s.SetLatency(0)
	s.SetDown(false)
	s.SetGarbage(false)
	s.SetHang(false)
	s.SetStatus(0)
	s.SetHuge(0)
	return s.SetClosed(false)
}

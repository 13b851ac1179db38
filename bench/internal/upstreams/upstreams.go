// Package upstreams runs every system the benchmark's gateways call in a
// process of its own (`harmony-bench upstreams`), apart from the bench that
// drives the load and from the gateways it measures: the six channel
// simulators of the demo (the point of sale on PostgreSQL, behind the
// simulators' counting proxy) and the three peer subgraphs. A small control
// API on loopback sets their latencies, reads and resets their request
// counts and gives the gateways' configuration variables.
package upstreams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/peer"
	"github.com/harmonyhq/harmony/internal/simulators"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// Options configure Start.
type Options struct {
	People int
	// POSDSN is the PostgreSQL database the point of sale gets a schema of
	// its own in.
	POSDSN string
}

// System is one upstream: a simulator or a subgraph.
type System interface {
	Name() string
	URL() string
	Total() int64
	Counts() map[string]int64
	Reset()
	SetLatency(d time.Duration)
}

// Set is the running upstreams.
type Set struct {
	sims    *simulators.Set
	systems []System
	vars    map[string]string
	closers []func()
}

// Start starts the simulators and the subgraphs.
func Start(ctx context.Context, o Options) (*Set, error) {
	pop := population.Generate(population.DefaultSeed, o.People)
	sims, err := simulators.Start(ctx, simulators.Options{Population: pop, People: o.People, POSPostgresDSN: o.POSDSN})
	if err != nil {
		return nil, fmt.Errorf("channel simulators (the point of sale needs PostgreSQL at %s): %w", o.POSDSN, err)
	}
	s := &Set{sims: sims, vars: sims.Vars()}
	s.closers = append(s.closers, func() { _ = sims.Close() })
	for _, sim := range sims.All() {
		s.systems = append(s.systems, sim)
	}
	subgraphs, err := peer.Start(ctx, pop)
	if err != nil {
		s.Close()
		return nil, err
	}
	for _, sg := range subgraphs {
		s.systems = append(s.systems, sg)
		s.vars[peer.URLVar(sg.Name())] = sg.URL()
		s.closers = append(s.closers, sg.Stop)
	}
	return s, nil
}

// Close stops every upstream and drops the point of sale's schema.
func (s *Set) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// Counts is the body of GET /counts: each system's requests (statements for
// the point of sale) since the last reset, in all and per route.
type Counts map[string]SystemCounts

// SystemCounts is one system's counts.
type SystemCounts struct {
	Total  int64            `json:"total"`
	Routes map[string]int64 `json:"routes"`
}

// Handler is the control API:
//
//	GET  /vars      the gateways' configuration variables (URLs, DSN, credentials)
//	POST /latency   {"crm": "5ms", ...}: each system's latency; systems not named get 0
//	GET  /counts    Counts
//	POST /reset     zero every count
func (s *Set) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /vars", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.vars) })
	mux.HandleFunc("POST /latency", func(w http.ResponseWriter, r *http.Request) {
		var want map[string]string
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&want); err != nil {
			http.Error(w, "latency: want {\"system\": \"5ms\"}", http.StatusBadRequest)
			return
		}
		lat := map[string]time.Duration{}
		for name, v := range want {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				http.Error(w, "latency: bad duration for "+name, http.StatusBadRequest)
				return
			}
			lat[name] = d
		}
		if err := s.SetLatencies(lat); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /counts", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, s.Counts()) })
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		for _, sys := range s.systems {
			sys.Reset()
		}
		w.WriteHeader(http.StatusNoContent)
	})
	return mux
}

// SetLatencies gives each named system its latency and the others none.
func (s *Set) SetLatencies(lat map[string]time.Duration) error {
	known := map[string]bool{}
	for _, sys := range s.systems {
		known[sys.Name()] = true
	}
	for name := range lat {
		if !known[name] {
			return errors.New("latency: no system " + name)
		}
	}
	for _, sys := range s.systems {
		sys.SetLatency(lat[sys.Name()])
	}
	return nil
}

// Counts reads every system's counts.
func (s *Set) Counts() Counts {
	out := Counts{}
	for _, sys := range s.systems {
		out[sys.Name()] = SystemCounts{Total: sys.Total(), Routes: sys.Counts()}
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

package sources

import (
	"context"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/cache"
)

// health remembers how the system's calls ended, so that a read the cache
// answers without calling the system can tell whether the system has
// failed since that capability was last read fine: its value is then
// stale, and says so. A failure of any capability counts (a system is
// down as a whole, and a cached capability may not be called for a while);
// a success clears it for its own capability only.
type health struct {
	mu       sync.Mutex
	seq      uint64 // orders the outcomes
	failed   uint64 // seq of the last failure, 0 when none
	failCode connectors.Code
	ok       map[connectors.Capability]uint64 // seq of each capability's last success
}

// record notes how a call of capability c ended: code "" for a success.
func (h *health) record(c connectors.Capability, code connectors.Code) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	if code != "" {
		h.failed, h.failCode = h.seq, code
		return
	}
	if h.ok == nil {
		h.ok = map[connectors.Capability]uint64{}
	}
	h.ok[c] = h.seq
}

// code is the failure since c's last success, "" when none.
func (h *health) code(c connectors.Capability) connectors.Code {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.failed == 0 || h.ok[c] > h.failed {
		return ""
	}
	return h.failCode
}

// Failing reports whether the system is failing for capability c: its
// breaker is open or probing, or a call of any capability failed since c
// was last read fine (a refusal aside, which says nothing of the system's
// health). code is the failure.
func (s *Source) Failing(c connectors.Capability) (code connectors.Code, failing bool) {
	if st := s.BreakerState(); st != BreakerClosed {
		return connectors.CodeCircuitOpen, true
	}
	code = s.health.code(c)
	return code, code != ""
}

// recordOutcome notes the outcome of a call that reached the system (or
// found it failing): ce nil for a success.
func (s *Source) recordOutcome(c connectors.Capability, ce *connectors.Error) {
	switch {
	case ce == nil:
		s.health.record(c, "")
	case breakerFailure(ce.Code):
		s.health.record(c, ce.Code)
	}
}

// reportHits reports, in ctx's StaleReport, the keys of unique the read
// cache answered (hit) with when their values were read (at), so that the
// answer never says they were read now. They are stale when the system is
// failing: this read's own call failed (failure), or the last one did, or
// the breaker is open; the answer then says so.
func reportHits(ctx context.Context, s *Source, c connectors.Capability, unique []string, hit []bool, at []time.Time, failure error) {
	r := staleReportFrom(ctx)
	if r == nil {
		return
	}
	code, failing := connectors.CodeOf(failure), failure != nil
	if !failing {
		code, failing = s.Failing(c)
	}
	n := 0
	for i, k := range unique {
		switch {
		case !hit[i]:
		case failing:
			r.add(s.name, c, k, at[i], code)
			n++
		default:
			r.cached(s.name, c, k, at[i])
		}
	}
	if n > 0 {
		s.metrics.stale.WithLabelValues(s.name, string(c)).Add(float64(n))
	}
}

// lookupCache is cache.LookupAt for the guard.
func lookupCache[T any](ctx context.Context, cc *cache.Cache, c connectors.Capability, w cache.Window, keys []string) ([]T, []bool, []time.Time, error) {
	return cache.LookupAt[T](ctx, cc, string(c), w, keys)
}

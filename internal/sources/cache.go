package sources

import (
	"context"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/cache"
)

// cacheable lists the capabilities the read cache serves: per-key reads,
// windowed ones keyed by their window too. Lookup and listing feed
// identity resolution, which must see the systems as they are; actions,
// erasure and export are never cached.
var cacheable = map[connectors.Capability]bool{
	connectors.CapProfiles:     true,
	connectors.CapOrders:       true,
	connectors.CapInteractions: true,
}

// cacheOf returns the cache serving capability c for the read of ctx, nil
// when none does (or the read must reach the system: Fresh).
func (s *Source) cacheOf(ctx context.Context, c connectors.Capability) *cache.Cache {
	if s.opts.Cache == nil || !cacheable[c] || ctx.Value(freshKey{}) != nil {
		return nil
	}
	return s.opts.Cache
}

type freshKey struct{}

// Fresh returns ctx for reads that must see the system as it is now,
// never a value read before: no read cache, no last good value. Checks of
// what a system holds use it (linkIdentity, erasure done by hand).
func Fresh(ctx context.Context) context.Context {
	ctx = context.WithValue(ctx, freshKey{}, true)
	return context.WithValue(ctx, staleReportKey{}, (*StaleReport)(nil))
}

// CacheInvalidated counts an invalidation of the cache of connector: the
// entries it dropped, or a backend failure.
func (m *Metrics) CacheInvalidated(connector string, entries int, err error) {
	if err != nil {
		m.cacheErrors.WithLabelValues(connector, "invalidate").Inc()
		return
	}
	m.cacheInvalidated.WithLabelValues(connector).Add(float64(entries))
}

func cacheWindow[T any](sh shape[T]) cache.Window {
	if sh.window == nil {
		return cache.Window{}
	}
	return cache.Window{Since: sh.window.Since, Until: sh.window.Until, Limit: sh.window.Limit}
}

// fromCache looks unique up in cc: it fills results and hit for the keys
// it holds, counts hits and misses, and returns the keys to read from the
// system with their positions in unique. A backend failure reads them all.
//
// at, when not nil, receives when each hit was read from the system.
func fromCache[T any](ctx context.Context, s *Source, cc *cache.Cache, c connectors.Capability, unique []string, sh shape[T],
	results []T, hit []bool, at []time.Time,
) (fetch []string, pos []int) {
	start := time.Now()
	vals, found, stored, err := lookupCache[T](ctx, cc, c, cacheWindow(sh), unique)
	if err != nil {
		s.metrics.cacheErrors.WithLabelValues(s.name, "get").Inc()
		if s.cacheWarnDue() {
			s.log.WarnContext(ctx, "cache unavailable; reading the system", "capability", c, "error", err.Error())
		}
	}
	hits := 0
	for i, k := range unique {
		if err == nil && found[i] {
			results[i], hit[i] = vals[i], true
			if at != nil {
				at[i] = stored[i]
			}
			hits++
			continue
		}
		fetch = append(fetch, k)
		pos = append(pos, i)
	}
	s.metrics.cacheHits.WithLabelValues(s.name, string(c)).Add(float64(hits))
	s.metrics.cacheMisses.WithLabelValues(s.name, string(c)).Add(float64(len(unique) - hits))
	s.recordHits(ctx, c, hits, start)
	return fetch, pos
}

// toCache keeps the values a chunk read (those sh.keep accepts) in cc,
// unless their key was invalidated after start.
func toCache[T any](ctx context.Context, s *Source, cc *cache.Cache, c connectors.Capability, keys []string, values []T, sh shape[T], start time.Time) {
	ks := make([]string, 0, len(keys))
	vs := make([]T, 0, len(keys))
	for i, k := range keys {
		if sh.keep == nil || sh.keep(values[i]) {
			ks = append(ks, k)
			vs = append(vs, values[i])
		}
	}
	if err := cache.Store(ctx, cc, string(c), cacheWindow(sh), ks, vs, start); err != nil {
		s.metrics.cacheErrors.WithLabelValues(s.name, "put").Inc()
		if s.cacheWarnDue() {
			s.log.WarnContext(ctx, "cache put failed", "capability", c, "error", err.Error())
		}
	}
}

// cacheWarnInterval spaces the warnings of a failing cache backend: every
// failure is counted in harmony_cache_errors_total, one a while is logged.
const cacheWarnInterval = 10 * time.Second

// cacheWarnDue reports whether a cache failure should be logged now.
func (s *Source) cacheWarnDue() bool {
	now := time.Now().UnixNano()
	last := s.cacheWarned.Load()
	return now-last >= int64(cacheWarnInterval) && s.cacheWarned.CompareAndSwap(last, now)
}

// Cached reports whether the source's reads are cached.
func (s *Source) Cached() bool { return s.opts.Cache != nil }

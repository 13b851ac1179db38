package sources

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/cache"
)

// Defaults for Options fields left zero.
const (
	DefaultTimeout         = 5 * time.Second
	DefaultMaxBatch        = 100
	DefaultMaxConcurrency  = 4
	DefaultMaxInFlight     = 32
	DefaultBreakerFailures = 10
	DefaultBreakerCoolDown = 30 * time.Second
	DefaultStaleEntries    = 10_000
	DefaultBackoffBase     = 50 * time.Millisecond
	DefaultBackoffMax      = time.Second
)

// Defaults the configuration applies to options where zero means off.
const (
	DefaultRetries  = 2
	DefaultStaleFor = time.Hour
)

// Options bound how the guard calls one connector instance.
type Options struct {
	// Timeout bounds each upstream call: all its attempts when retried,
	// the waits between them and for an in-flight slot included.
	Timeout time.Duration
	// MaxBatch is the most keys in one upstream call; bigger batches are
	// split into chunks.
	MaxBatch int
	// MaxConcurrency is the most chunks of one batch in flight at once.
	MaxConcurrency int
	// Retries is the most retries of a failed read; zero means none. Only
	// reads are retried, and only when the failure may pass (unavailable,
	// timed out, rate limited).
	Retries int
	// BreakerFailures is how many consecutive failed calls (after their
	// retries) open the circuit breaker.
	BreakerFailures int
	// BreakerCoolDown is how long the breaker stays open before it lets
	// one probe call through.
	BreakerCoolDown time.Duration
	// MaxInFlight caps the upstream calls in flight at once across all
	// operations.
	MaxInFlight int
	// StaleFor is how long a last good value may answer a read whose
	// upstream call failed; zero disables the fallback.
	StaleFor time.Duration
	// StaleEntries bounds the last good values kept.
	StaleEntries int
	// BackoffBase and BackoffMax shape the wait before a retry: random, up
	// to BackoffBase·2^retry, at most BackoffMax.
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// Cache, when set, answers profile, order and interaction reads it
	// holds and keeps what the system answers (see cacheable).
	Cache *cache.Cache
	// PurgeID, when set, names a native key of this connector in purges
	// (an erasure, on every replica): the last good values of each key
	// are indexed by it, so that Purge can drop them (see purge.go).
	PurgeID func(connector, key string) string
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur(&o.Timeout, DefaultTimeout)
	def(&o.MaxBatch, DefaultMaxBatch)
	def(&o.MaxConcurrency, DefaultMaxConcurrency)
	def(&o.MaxInFlight, DefaultMaxInFlight)
	def(&o.BreakerFailures, DefaultBreakerFailures)
	defDur(&o.BreakerCoolDown, DefaultBreakerCoolDown)
	def(&o.StaleEntries, DefaultStaleEntries)
	defDur(&o.BackoffBase, DefaultBackoffBase)
	defDur(&o.BackoffMax, DefaultBackoffMax)
	o.Retries = max(o.Retries, 0)
	o.StaleFor = max(o.StaleFor, 0)
	return o
}

// Source is one guarded connector instance.
type Source struct {
	name    string
	kind    string
	conn    connectors.Connector
	caps    []connectors.Capability
	opts    Options
	metrics *Metrics
	log     *slog.Logger

	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]
	slots   chan struct{} // the in-flight cap
	stale   *staleCache
	health  health // each capability's last outcome (health.go)
	now     func() time.Time
	// cacheWarned is when a cache failure was last logged (unix ns).
	cacheWarned atomic.Int64
}

// New guards conn, the instance called name of the given kind.
func New(name, kind string, conn connectors.Connector, opts Options, m *Metrics, log *slog.Logger) *Source {
	if m == nil {
		m = NewMetrics(nil)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	log = log.With("connector", name)
	return &Source{
		name:    name,
		kind:    kind,
		conn:    conn,
		caps:    connectors.Capabilities(conn),
		opts:    opts,
		metrics: m,
		log:     log,
		breaker: newBreaker(name, opts, m, log),
		slots:   make(chan struct{}, opts.MaxInFlight),
		stale:   newStaleCache(opts.StaleEntries),
		now:     time.Now,
	}
}

// Name is the instance name from the configuration.
func (s *Source) Name() string { return s.name }

// Kind is the connector kind.
func (s *Source) Kind() string { return s.kind }

// Capabilities lists what the source serves.
func (s *Source) Capabilities() []connectors.Capability { return s.caps }

// Has reports whether the source serves capability c.
func (s *Source) Has(c connectors.Capability) bool { return slices.Contains(s.caps, c) }

// Close closes the connector.
func (s *Source) Close() error { return s.conn.Close() }

// Profiles reads profile records; out[i] answers keys[i], nil when absent.
// When some chunks fail, keys with a last good value are answered from it
// and the others fail: see PartialError.
func (s *Source) Profiles(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	ps, ok := s.conn.(connectors.ProfileSource)
	if !ok || !s.Has(connectors.CapProfiles) {
		return nil, s.unsupported(connectors.CapProfiles)
	}
	return batch(ctx, s, connectors.CapProfiles, keys, ps.Profiles, shape[*connectors.Profile]{
		check: func(key string, p *connectors.Profile) error {
			if p != nil && p.Key != key {
				return fmt.Errorf("record for another key answered")
			}
			return nil
		},
		// A record the system lacks is not cached: one created meanwhile
		// shows up on the next read.
		keep: func(p *connectors.Profile) bool { return p != nil },
	})
}

// ListPageSize is the page size to ask of ListProfiles: the connector's
// configured list_profiles.page_size, connectors.DefaultListPageSize for
// connectors that configure none (see connectors.ListPageSize).
func (s *Source) ListPageSize() int { return connectors.ListPageSize(s.conn) }

// ListProfiles reads one page of all profile records.
func (s *Source) ListProfiles(ctx context.Context, cursor string, limit int) (connectors.ProfilePage, error) {
	pl, ok := s.conn.(connectors.ProfileLister)
	if !ok || !s.Has(connectors.CapListProfiles) {
		return connectors.ProfilePage{}, s.unsupported(connectors.CapListProfiles)
	}
	var page connectors.ProfilePage
	err := s.call(ctx, connectors.CapListProfiles, limit, func(ctx context.Context) error {
		var err error
		page, err = pl.ListProfiles(ctx, cursor, limit)
		if err == nil && len(page.Profiles) > limit {
			return connectors.Errorf(connectors.CodeBadResponse, "page of %d records for a limit of %d", len(page.Profiles), limit)
		}
		return err
	})
	return page, err
}

// FindProfiles finds the records matching any of ids: deduplicated, in
// chunks of at most MaxBatch identifiers with at most MaxConcurrency chunks
// in flight. The answer is not aligned with ids; records without a key are
// dropped, and a record several chunks found comes back once. Any failing
// chunk fails the call.
func (s *Source) FindProfiles(ctx context.Context, ids []connectors.Identifier) ([]connectors.Profile, error) {
	pf, ok := s.conn.(connectors.ProfileFinder)
	if !ok || !s.Has(connectors.CapLookup) {
		return nil, s.unsupported(connectors.CapLookup)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	unique := make([]connectors.Identifier, 0, len(ids))
	seen := make(map[connectors.Identifier]bool, len(ids))
	for _, id := range ids {
		if id.Value != "" && !seen[id] {
			seen[id] = true
			unique = append(unique, id)
		}
	}
	var chunks [][]connectors.Identifier
	for start := 0; start < len(unique); start += s.opts.MaxBatch {
		chunks = append(chunks, unique[start:min(start+s.opts.MaxBatch, len(unique))])
	}
	found := make([][]connectors.Profile, len(chunks))
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, s.opts.MaxConcurrency)
	var wg sync.WaitGroup
	for ci, ch := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[ci] = s.call(ctx, connectors.CapLookup, len(ch), func(ctx context.Context) error {
				out, err := pf.FindProfiles(ctx, slices.Clone(ch))
				if err != nil {
					return err
				}
				found[ci] = out
				return nil
			})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	var out []connectors.Profile
	keys := map[string]bool{}
	dropped := 0
	for _, list := range found {
		for _, p := range list {
			switch {
			case p.Key == "":
				dropped++
			case !keys[p.Key]:
				keys[p.Key] = true
				out = append(out, p)
			}
		}
	}
	if dropped > 0 {
		s.log.Warn("lookup answered records without a key; they are dropped", "capability", connectors.CapLookup, "records", dropped)
	}
	return out, nil
}

// Orders reads orders inside w; out[i] answers keys[i], newest first.
func (s *Source) Orders(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	os, ok := s.conn.(connectors.OrderSource)
	if !ok || !s.Has(connectors.CapOrders) {
		return nil, s.unsupported(connectors.CapOrders)
	}
	return windowed(ctx, s, connectors.CapOrders, keys, w, os.Orders,
		func(o connectors.Order) (string, time.Time, string) { return o.CustomerKey, o.PlacedAt, o.ID })
}

// Interactions reads interactions inside w; out[i] answers keys[i], newest
// first.
func (s *Source) Interactions(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Interaction, error) {
	is, ok := s.conn.(connectors.InteractionSource)
	if !ok || !s.Has(connectors.CapInteractions) {
		return nil, s.unsupported(connectors.CapInteractions)
	}
	return windowed(ctx, s, connectors.CapInteractions, keys, w, is.Interactions,
		func(it connectors.Interaction) (string, time.Time, string) {
			return it.CustomerKey, it.OccurredAt, it.ID
		})
}

// windowed runs a windowed batch read: every item must belong to the key it
// answers, and each key's items come back inside w, newest first, at most
// w.Limit.
func windowed[T any](ctx context.Context, s *Source, c connectors.Capability, keys []string, w connectors.Window,
	read func(context.Context, []string, connectors.Window) ([][]T, error), at func(T) (key string, t time.Time, id string),
) ([][]T, error) {
	if w.Limit <= 0 {
		return nil, fmt.Errorf("%s: window limit must be positive", c)
	}
	return batch(ctx, s, c, keys,
		func(ctx context.Context, keys []string) ([][]T, error) { return read(ctx, keys, w) },
		shape[[]T]{
			check: func(key string, list []T) error {
				for _, it := range list {
					if k, _, _ := at(it); k != key {
						return fmt.Errorf("an item of another key answered")
					}
				}
				return nil
			},
			window: &w,
			trim: func(list []T, w connectors.Window) []T {
				return inWindow(list, w, func(it T) (time.Time, string) { _, t, id := at(it); return t, id })
			},
			size: func(list []T) int { return len(list) },
		})
}

// inWindow keeps the items inside w, newest first (ties by ID, descending),
// at most w.Limit. Connectors should already answer so; the guard makes sure,
// because the timeline's positions depend on it.
//
// A list that already is so (what the built-in kinds answer) is returned as
// it is, not copied: a page of 50 customers' metrics reads thousands of
// items.
func inWindow[T any](items []T, w connectors.Window, at func(T) (time.Time, string)) []T {
	newestFirst := func(a, b T) int {
		ta, ida := at(a)
		tb, idb := at(b)
		if c := tb.Compare(ta); c != 0 {
			return c
		}
		return cmp.Compare(idb, ida)
	}
	n := 0
	for _, it := range items {
		if t, _ := at(it); w.Contains(t) {
			n++
		}
	}
	if n == len(items) && len(items) <= w.Limit && slices.IsSortedFunc(items, newestFirst) {
		return items
	}
	kept := make([]T, 0, n)
	for _, it := range items {
		if t, _ := at(it); w.Contains(t) {
			kept = append(kept, it)
		}
	}
	slices.SortStableFunc(kept, newestFirst)
	if len(kept) > w.Limit {
		kept = kept[:w.Limit]
	}
	return kept
}

func (s *Source) unsupported(c connectors.Capability) error {
	return &connectors.Error{Code: connectors.CodeInternal, Connector: s.name, Capability: c,
		Err: fmt.Errorf("connector does not serve %s", c)}
}

// shape describes the values of a batch read for the guard.
type shape[T any] struct {
	// check refuses a value answered for key.
	check func(key string, v T) error
	// window is the window of a windowed read, nil otherwise. trim keeps a
	// value inside a window; size counts its items.
	window *connectors.Window
	trim   func(v T, w connectors.Window) T
	size   func(v T) int
	// keep reports whether a value may be cached; nil keeps every value.
	keep func(v T) bool
}

// batch calls fn for keys: deduplicated, in chunks of at most MaxBatch with
// at most MaxConcurrency chunks in flight, each chunk checked for alignment
// (and kept inside the window of a windowed read). The result is aligned
// with keys, duplicates included.
//
// Good values are remembered when the stale fallback is on and ctx carries
// a StaleReport (see WithStaleReport). When chunks fail, their keys with a
// last good value are answered from it, reported in ctx's StaleReport; if
// every key is answered the call succeeds, if none is it fails with the
// chunk's error, and otherwise it returns the aligned results with a
// *PartialError.
func batch[T any](ctx context.Context, s *Source, c connectors.Capability, keys []string,
	fn func(context.Context, []string) ([]T, error), sh shape[T],
) ([]T, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	unique, index := dedupe(keys)
	// The keys the cache holds are answered from it; the others (fetch,
	// at positions pos of unique) are read from the system.
	cached, hit, hitAt := make([]T, len(unique)), make([]bool, len(unique)), []time.Time(nil)
	fetch, pos := unique, []int(nil)
	cc := s.cacheOf(ctx, c)
	if cc != nil {
		hitAt = make([]time.Time, len(unique))
		fetch, pos = fromCache(ctx, s, cc, c, unique, sh, cached, hit, hitAt)
	}
	began := time.Now()
	results := make([]T, len(fetch))

	chunks := chunk(fetch, s.opts.MaxBatch)
	errs := make([]error, len(chunks))
	read := func(ci int, ch keyChunk) {
		errs[ci] = s.call(ctx, c, len(ch.keys), func(ctx context.Context) error {
			out, err := fn(ctx, ch.keys)
			if err != nil {
				return err
			}
			if len(out) != len(ch.keys) {
				return connectors.Errorf(connectors.CodeBadResponse, "%d results for %d keys", len(out), len(ch.keys))
			}
			if sh.size != nil {
				n := 0
				for _, v := range out {
					n += sh.size(v)
				}
				s.metrics.items.WithLabelValues(s.name, string(c)).Add(float64(n))
			}
			for i, k := range ch.keys {
				if err := sh.check(k, out[i]); err != nil {
					return connectors.NewError(connectors.CodeBadResponse, fmt.Errorf("result %d: %w", i, err))
				}
				if sh.trim != nil {
					out[i] = sh.trim(out[i], *sh.window)
				}
			}
			copy(results[ch.start:], out)
			return nil
		})
	}
	if len(chunks) == 1 {
		// Most batches fit one call: read it on this goroutine, which
		// has its stack grown already, rather than a new one.
		read(0, chunks[0])
	} else {
		sem := make(chan struct{}, s.opts.MaxConcurrency)
		var wg sync.WaitGroup
		for ci, ch := range chunks {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				read(ci, ch)
			}()
		}
		wg.Wait()
	}

	var first error
	failed := make([]bool, len(fetch))
	nfailed, served := 0, 0
	for ci, ch := range chunks {
		if errs[ci] == nil {
			remember(ctx, s, c, ch.keys, results[ch.start:ch.start+len(ch.keys)], sh)
			if cc != nil {
				toCache(ctx, s, cc, c, ch.keys, results[ch.start:ch.start+len(ch.keys)], sh, began)
			}
			continue
		}
		if first == nil {
			first = errs[ci]
		}
		for j, k := range ch.keys {
			v, ok := recall(ctx, s, c, k, sh, errs[ci])
			if ok {
				results[ch.start+j] = v
				served++
				continue
			}
			failed[ch.start+j] = true
			nfailed++
		}
	}
	if cc != nil && len(fetch) < len(unique) {
		// Cache hits say when they were read, and are stale after the
		// system failed.
		reportHits(ctx, s, c, unique, hit, hitAt, first)
	}
	if served > 0 {
		s.log.InfoContext(ctx, "answered from last good values", "capability", c, "keys", served, "failed_keys", nfailed,
			"code", string(connectors.CodeOf(first)))
	}
	if nfailed == len(unique) {
		return nil, first
	}
	// Back to unique's positions: cached values and those read.
	if cc != nil {
		all, allFailed := cached, make([]bool, len(unique))
		for j, u := range pos {
			all[u], allFailed[u] = results[j], failed[j]
		}
		results, failed = all, allFailed
	}
	out := make([]T, len(keys))
	for i, k := range keys {
		out[i] = results[index[k]]
	}
	if nfailed == 0 {
		return out, nil
	}
	pe := &PartialError{failed: make([]bool, len(keys)), err: connectors.Classify(first)}
	for i, k := range keys {
		pe.failed[i] = failed[index[k]]
	}
	return out, pe
}

// staleOn reports whether the stale fallback serves capability c for the
// read of ctx. Only reads that carry a StaleReport (GraphQL operations) use
// it: their fallbacks are reported to the client, and background reads
// (identity sync, search indexing) neither flush the cache of what people
// look at nor index old values unawares.
func (s *Source) staleOn(ctx context.Context, c connectors.Capability) bool {
	return s.opts.StaleFor > 0 && staleable[c] && staleReportFrom(ctx) != nil
}

func staleKeyOf[T any](c connectors.Capability, key string, sh shape[T]) (staleKey, int) {
	if sh.window == nil {
		return keyHash(c, key, time.Time{}, time.Time{}), 0
	}
	return keyHash(c, key, sh.window.Since, sh.window.Until), sh.window.Limit
}

// remember keeps the good values of keys as their last good values.
func remember[T any](ctx context.Context, s *Source, c connectors.Capability, keys []string, values []T, sh shape[T]) {
	if !s.staleOn(ctx, c) {
		return
	}
	at := s.now()
	for i, k := range keys {
		sk, limit := staleKeyOf(c, k, sh)
		e := staleEntry{key: sk, value: values[i], fetchedAt: at, limit: limit}
		if s.opts.PurgeID != nil {
			e.purge = s.opts.PurgeID(s.name, k)
		}
		s.stale.put(e)
	}
}

// recall returns the last good value of key when it is recent enough and,
// for a windowed read, covers the window's limit. A value served is counted
// and reported in ctx's StaleReport with failure, the read's error; keys
// are never logged.
func recall[T any](ctx context.Context, s *Source, c connectors.Capability, key string, sh shape[T], failure error) (T, bool) {
	var zero T
	if !s.staleOn(ctx, c) || ctx.Err() != nil {
		return zero, false
	}
	sk, limit := staleKeyOf(c, key, sh)
	now := s.now()
	e, ok := s.stale.get(sk, now, s.opts.StaleFor)
	if !ok {
		return zero, false
	}
	v, ok := e.value.(T)
	if !ok {
		return zero, false
	}
	if sh.window != nil {
		// A list as long as its limit may have been cut: it answers only
		// limits up to its own.
		if e.limit < limit && sh.size(v) >= e.limit {
			return zero, false
		}
		v = sh.trim(v, *sh.window)
	}
	s.metrics.stale.WithLabelValues(s.name, string(c)).Inc()
	staleReportFrom(ctx).add(s.name, c, key, e.fetchedAt, connectors.CodeOf(failure))
	return v, true
}

// invoke runs one upstream call, attempt number attempt: it takes a slot
// of the in-flight cap, and bounds the wait for it and the call with the
// timeout, with panic recovery, error classification, metrics and a span.
// It never retries.
func (s *Source) invoke(ctx context.Context, c connectors.Capability, nkeys, attempt int, call func(context.Context) error) (err error) {
	if err := ctx.Err(); err != nil {
		return s.classify(c, err)
	}
	ctx, span := s.startCall(ctx, c, nkeys, attempt)
	began := time.Now()
	// Registered first, so it runs last: err is classified by then.
	defer func() { s.endCall(ctx, span, c, nkeys, attempt, began, err) }()
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		ce := s.classify(c, ctx.Err())
		ce.Err = fmt.Errorf("%w: %w", errNoSlot, ctx.Err())
		s.metrics.errors.WithLabelValues(s.name, string(c), string(ce.Code)).Inc()
		return ce
	}
	s.metrics.inFlight.WithLabelValues(s.name).Inc()
	defer func() {
		s.metrics.inFlight.WithLabelValues(s.name).Dec()
		<-s.slots
	}()
	labels := []string{s.name, string(c)}
	s.metrics.requests.WithLabelValues(labels...).Inc()
	s.metrics.keys.WithLabelValues(labels...).Observe(float64(nkeys))
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(ctx, "connector panicked", "capability", c, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = connectors.Errorf(connectors.CodeInternal, "connector panicked")
		}
		s.metrics.duration.WithLabelValues(labels...).Observe(time.Since(start).Seconds())
		if err != nil {
			ce := s.classify(c, err)
			if ctx.Err() == context.DeadlineExceeded && ce.Code == connectors.CodeUnavailable {
				ce.Code = connectors.CodeTimeout
			}
			err = ce
			code := string(ce.Code)
			s.metrics.errors.WithLabelValues(s.name, string(c), code).Inc()
			s.log.WarnContext(ctx, "upstream call failed", "capability", c, "code", code, "keys", nkeys, "error", err.Error())
		}
	}()
	return call(ctx)
}

// classify returns err as a connector error of this source.
func (s *Source) classify(c connectors.Capability, err error) *connectors.Error {
	ce := connectors.Classify(err)
	// Copy so that a connector's error value is never shared or mutated.
	out := *ce
	out.Connector, out.Capability = s.name, c
	return &out
}

type keyChunk struct {
	start int
	keys  []string
}

func chunk(keys []string, size int) []keyChunk {
	var out []keyChunk
	for start := 0; start < len(keys); start += size {
		out = append(out, keyChunk{start: start, keys: keys[start:min(start+size, len(keys))]})
	}
	return out
}

func dedupe(keys []string) ([]string, map[string]int) {
	index := make(map[string]int, len(keys))
	unique := make([]string, 0, len(keys))
	for _, k := range keys {
		if _, ok := index[k]; !ok {
			index[k] = len(unique)
			unique = append(unique, k)
		}
	}
	return unique, index
}

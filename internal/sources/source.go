package sources

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Defaults for Options fields left zero.
const (
	DefaultTimeout        = 5 * time.Second
	DefaultMaxBatch       = 100
	DefaultMaxConcurrency = 4
)

// Options bound how the guard calls one connector instance.
type Options struct {
	// Timeout bounds each upstream call.
	Timeout time.Duration
	// MaxBatch is the most keys in one upstream call; bigger batches are
	// split into chunks.
	MaxBatch int
	// MaxConcurrency is the most chunks of one batch in flight at once.
	MaxConcurrency int
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.MaxConcurrency <= 0 {
		o.MaxConcurrency = DefaultMaxConcurrency
	}
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
}

// New guards conn, the instance called name of the given kind.
func New(name, kind string, conn connectors.Connector, opts Options, m *Metrics, log *slog.Logger) *Source {
	if m == nil {
		m = NewMetrics(nil)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Source{
		name:    name,
		kind:    kind,
		conn:    conn,
		caps:    connectors.Capabilities(conn),
		opts:    opts.withDefaults(),
		metrics: m,
		log:     log.With("connector", name),
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
func (s *Source) Profiles(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	ps, ok := s.conn.(connectors.ProfileSource)
	if !ok || !s.Has(connectors.CapProfiles) {
		return nil, s.unsupported(connectors.CapProfiles)
	}
	return batch(ctx, s, connectors.CapProfiles, keys, ps.Profiles,
		func(key string, p *connectors.Profile) error {
			if p != nil && p.Key != key {
				return fmt.Errorf("record for another key answered")
			}
			return nil
		})
}

// ListProfiles reads one page of all profile records.
func (s *Source) ListProfiles(ctx context.Context, cursor string, limit int) (connectors.ProfilePage, error) {
	pl, ok := s.conn.(connectors.ProfileLister)
	if !ok || !s.Has(connectors.CapListProfiles) {
		return connectors.ProfilePage{}, s.unsupported(connectors.CapListProfiles)
	}
	var page connectors.ProfilePage
	err := s.invoke(ctx, connectors.CapListProfiles, limit, func(ctx context.Context) error {
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
			errs[ci] = s.invoke(ctx, connectors.CapLookup, len(ch), func(ctx context.Context) error {
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
	out, err := batch(ctx, s, c, keys,
		func(ctx context.Context, keys []string) ([][]T, error) { return read(ctx, keys, w) },
		func(key string, list []T) error {
			for _, it := range list {
				if k, _, _ := at(it); k != key {
					return fmt.Errorf("an item of another key answered")
				}
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i] = inWindow(out[i], w, func(it T) (time.Time, string) { _, t, id := at(it); return t, id })
	}
	return out, nil
}

// inWindow keeps the items inside w, newest first (ties by ID, descending),
// at most w.Limit. Connectors should already answer so; the guard makes sure,
// because the timeline's positions depend on it.
func inWindow[T any](items []T, w connectors.Window, at func(T) (time.Time, string)) []T {
	kept := items[:0:0]
	for _, it := range items {
		if t, _ := at(it); w.Contains(t) {
			kept = append(kept, it)
		}
	}
	slices.SortStableFunc(kept, func(a, b T) int {
		ta, ida := at(a)
		tb, idb := at(b)
		if c := tb.Compare(ta); c != 0 {
			return c
		}
		return cmp.Compare(idb, ida)
	})
	if len(kept) > w.Limit {
		kept = kept[:w.Limit]
	}
	return kept
}

func (s *Source) unsupported(c connectors.Capability) error {
	return &connectors.Error{Code: connectors.CodeInternal, Connector: s.name, Capability: c,
		Err: fmt.Errorf("connector does not serve %s", c)}
}

// batch calls fn for keys: deduplicated, in chunks of at most MaxBatch with
// at most MaxConcurrency chunks in flight, each chunk checked for alignment.
// The result is aligned with keys, duplicates included. Any failing chunk
// fails the call.
func batch[T any](ctx context.Context, s *Source, c connectors.Capability, keys []string,
	fn func(context.Context, []string) ([]T, error), check func(string, T) error,
) ([]T, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	unique, index := dedupe(keys)
	results := make([]T, len(unique))

	chunks := chunk(unique, s.opts.MaxBatch)
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, s.opts.MaxConcurrency)
	var wg sync.WaitGroup
	for ci, ch := range chunks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[ci] = s.invoke(ctx, c, len(ch.keys), func(ctx context.Context) error {
				out, err := fn(ctx, ch.keys)
				if err != nil {
					return err
				}
				if len(out) != len(ch.keys) {
					return connectors.Errorf(connectors.CodeBadResponse, "%d results for %d keys", len(out), len(ch.keys))
				}
				for i, k := range ch.keys {
					if err := check(k, out[i]); err != nil {
						return connectors.NewError(connectors.CodeBadResponse, fmt.Errorf("result %d: %w", i, err))
					}
				}
				copy(results[ch.start:], out)
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
	out := make([]T, len(keys))
	for i, k := range keys {
		out[i] = results[index[k]]
	}
	return out, nil
}

// invoke runs one upstream call with the timeout, panic recovery, error
// classification and metrics.
func (s *Source) invoke(ctx context.Context, c connectors.Capability, nkeys int, call func(context.Context) error) (err error) {
	if err := ctx.Err(); err != nil {
		return s.classify(c, err)
	}
	labels := []string{s.name, string(c)}
	s.metrics.requests.WithLabelValues(labels...).Inc()
	s.metrics.keys.WithLabelValues(labels...).Observe(float64(nkeys))
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("connector panicked", "capability", c, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
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
			s.log.Warn("upstream call failed", "capability", c, "code", code, "keys", nkeys, "error", err.Error())
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

// Set is every configured source, in configuration order.
type Set struct {
	list []*Source
}

// NewSet makes a set; names must be unique.
func NewSet(list ...*Source) (*Set, error) {
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s.name] {
			return nil, fmt.Errorf("duplicate source name %q", s.name)
		}
		seen[s.name] = true
	}
	return &Set{list: list}, nil
}

// All returns the sources in configuration order.
func (s *Set) All() []*Source { return s.list }

// Get returns the source called name.
func (s *Set) Get(name string) (*Source, bool) {
	for _, src := range s.list {
		if src.name == name {
			return src, true
		}
	}
	return nil, false
}

// With returns the sources serving capability c, in configuration order.
func (s *Set) With(c connectors.Capability) []*Source {
	var out []*Source
	for _, src := range s.list {
		if src.Has(c) {
			out = append(out, src)
		}
	}
	return out
}

// Close closes every connector and returns the first error.
func (s *Set) Close() error {
	var first error
	for _, src := range s.list {
		if err := src.Close(); err != nil && first == nil {
			first = fmt.Errorf("close %s: %w", src.name, err)
		}
	}
	return first
}

package sources

import (
	"cmp"
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// staleKey names one last good value: a SHA-256 of the capability, the
// native key and the window bounds, so that no key is held in clear.
type staleKey [sha256.Size]byte

// keyHash hashes the parts of a stale key. Each part is length-prefixed so
// that ("ab", "c") and ("a", "bc") differ.
func keyHash(c connectors.Capability, key string, since, until time.Time) staleKey {
	h := sha256.New()
	var n [8]byte
	for _, part := range []string{string(c), key} {
		binary.BigEndian.PutUint64(n[:], uint64(len(part)))
		h.Write(n[:])
		h.Write([]byte(part))
	}
	for _, t := range []time.Time{since, until} {
		var v int64
		if !t.IsZero() {
			v = t.UnixNano()
		}
		binary.BigEndian.PutUint64(n[:], uint64(v))
		h.Write(n[:])
	}
	var k staleKey
	h.Sum(k[:0])
	return k
}

// staleEntry is a last good value and when it was fetched. For windowed
// reads, limit is the window limit it answered: a list shorter than its
// limit is complete and can answer any limit.
type staleEntry struct {
	key       staleKey
	value     any
	fetchedAt time.Time
	limit     int
	// purge names the native key for purges (Options.PurgeID), "" when
	// none is kept.
	purge string
}

// staleCache is a bounded LRU of last good values. Values are shared with
// callers, who must not modify them (the guard's callers map them to other
// types and never write to them).
type staleCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently stored or served
	byKey map[staleKey]*list.Element
	// byPurge indexes the entries of each native key by its purge ID;
	// purged holds the purge IDs purged lately, whose values are not kept
	// again (a read that began before the purge ends after it).
	byPurge map[string]map[staleKey]struct{}
	purged  map[string]time.Time
}

// purgedFor is how long a purged key's values are not kept again: longer
// than any read takes.
const purgedFor = 10 * time.Minute

func newStaleCache(max int) *staleCache {
	return &staleCache{max: max, order: list.New(), byKey: map[staleKey]*list.Element{},
		byPurge: map[string]map[staleKey]struct{}{}, purged: map[string]time.Time{}}
}

// put stores e, evicting the least recently used entries beyond the bound,
// unless e's key was purged lately.
func (c *staleCache) put(e staleEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.purge != "" {
		if at, ok := c.purged[e.purge]; ok {
			if time.Since(at) < purgedFor {
				return
			}
			delete(c.purged, e.purge)
		}
	}
	if el, ok := c.byKey[e.key]; ok {
		c.unindex(el.Value.(staleEntry))
		el.Value = e
		c.index(e)
		c.order.MoveToFront(el)
		return
	}
	c.byKey[e.key] = c.order.PushFront(e)
	c.index(e)
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		old := last.Value.(staleEntry)
		c.unindex(old)
		delete(c.byKey, old.key)
	}
}

func (c *staleCache) index(e staleEntry) {
	if e.purge == "" {
		return
	}
	set := c.byPurge[e.purge]
	if set == nil {
		set = map[staleKey]struct{}{}
		c.byPurge[e.purge] = set
	}
	set[e.key] = struct{}{}
}

func (c *staleCache) unindex(e staleEntry) {
	if set := c.byPurge[e.purge]; set != nil {
		delete(set, e.key)
		if len(set) == 0 {
			delete(c.byPurge, e.purge)
		}
	}
}

// purge drops every entry of the native keys ids name, and keeps them out
// for purgedFor. It returns how many entries it dropped.
func (c *staleCache) purge(ids []string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	for id, at := range c.purged {
		if now.Sub(at) >= purgedFor {
			delete(c.purged, id)
		}
	}
	n := 0
	for _, id := range ids {
		c.purged[id] = now
		for k := range c.byPurge[id] {
			if el, ok := c.byKey[k]; ok {
				c.order.Remove(el)
				delete(c.byKey, k)
				n++
			}
		}
		delete(c.byPurge, id)
	}
	return n
}

// get returns the entry of k if it was fetched at most maxAge before now.
// Older entries are dropped.
func (c *staleCache) get(k staleKey, now time.Time, maxAge time.Duration) (staleEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[k]
	if !ok {
		return staleEntry{}, false
	}
	e := el.Value.(staleEntry)
	if now.Sub(e.fetchedAt) > maxAge {
		c.order.Remove(el)
		c.unindex(e)
		delete(c.byKey, k)
		return staleEntry{}, false
	}
	c.order.MoveToFront(el)
	return e, true
}

// len is the number of entries held.
func (c *staleCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// StaleEntry reports that an operation was answered with last good values
// of one connector capability. It never names keys.
type StaleEntry struct {
	Connector  string
	Capability connectors.Capability
	// Age is how long before the answer the oldest value served was
	// fetched.
	Age time.Duration
	// Code is the failure that made the gateway answer from them: the
	// system's error (UPSTREAM_UNAVAILABLE, CIRCUIT_OPEN...).
	Code connectors.Code
}

// StaleReport collects what one operation was answered with that was not
// read from its system for it: values from the read cache, and stale ones
// (from the read cache or the last good values after the system failed).
// It is safe for concurrent use. It holds native keys, in memory and for
// the operation only, so that resolvers can say when each value was read
// and mark those served stale; nothing of it is logged or sent but per-key
// flags and fetch times.
type StaleReport struct {
	mu      sync.Mutex
	now     func() time.Time
	entries map[[2]string]staleSummary // stale ones only
	keys    map[[3]string]Served
}

// Served says how a value an operation was answered with was read.
type Served struct {
	// At is when it was read from its system.
	At time.Time
	// Stale is set when it answered because the system failed.
	Stale bool
}

type staleSummary struct {
	oldest time.Time
	code   connectors.Code
}

type staleReportKey struct{}

// WithStaleReport returns ctx carrying a new report that the guard fills in
// whenever it answers a read from last good values.
func WithStaleReport(ctx context.Context) (context.Context, *StaleReport) {
	r := &StaleReport{now: time.Now, entries: map[[2]string]staleSummary{}, keys: map[[3]string]Served{}}
	return context.WithValue(ctx, staleReportKey{}, r), r
}

// StaleReportFrom returns ctx's report, nil when none (a nil report
// answers nothing stale).
func StaleReportFrom(ctx context.Context) *StaleReport {
	r, _ := ctx.Value(staleReportKey{}).(*StaleReport)
	return r
}

// staleReportFrom is StaleReportFrom.
func staleReportFrom(ctx context.Context) *StaleReport { return StaleReportFrom(ctx) }

// add records that key was answered with a value of connector's
// capability c fetched at fetchedAt, because the system failed with code.
func (r *StaleReport) add(connector string, c connectors.Capability, key string, fetchedAt time.Time, code connectors.Code) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := [2]string{connector, string(c)}
	if old, ok := r.entries[k]; !ok || fetchedAt.Before(old.oldest) {
		r.entries[k] = staleSummary{oldest: fetchedAt, code: code}
	}
	r.served(connector, c, key, Served{At: fetchedAt, Stale: true})
}

// cached records that key was answered from the read cache with a value
// read at fetchedAt, the system not known to fail.
func (r *StaleReport) cached(connector string, c connectors.Capability, key string, fetchedAt time.Time) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.served(connector, c, key, Served{At: fetchedAt})
}

// served keeps, for a key, the oldest value served; stale wins. r.mu is
// held.
func (r *StaleReport) served(connector string, c connectors.Capability, key string, s Served) {
	kk := [3]string{connector, string(c), key}
	old, ok := r.keys[kk]
	if ok {
		s.Stale = s.Stale || old.Stale
		if old.At.Before(s.At) {
			s.At = old.At
		}
	}
	r.keys[kk] = s
}

// Lookup reports whether the operation answered native key key of
// connector's capability c with a value it did not read for it (from the
// read cache or, stale, the last good values), when that value was read,
// and whether it was stale.
func (r *StaleReport) Lookup(connector string, c connectors.Capability, key string) (Served, bool) {
	if r == nil {
		return Served{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.keys[[3]string{connector, string(c), key}]
	return s, ok
}

// Code is the failure that made the operation answer connector's
// capability c stale, "" when it did not.
func (r *StaleReport) Code(connector string, c connectors.Capability) connectors.Code {
	if r == nil {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.entries[[2]string{connector, string(c)}].code
}

// Entries lists one entry per connector capability answered stale, with
// the oldest age served, sorted by connector then capability.
func (r *StaleReport) Entries() []StaleEntry {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	out := make([]StaleEntry, 0, len(r.entries))
	for k, e := range r.entries {
		out = append(out, StaleEntry{Connector: k[0], Capability: connectors.Capability(k[1]), Age: max(now.Sub(e.oldest), 0), Code: e.code})
	}
	slices.SortFunc(out, func(a, b StaleEntry) int {
		return cmp.Or(cmp.Compare(a.Connector, b.Connector), cmp.Compare(a.Capability, b.Capability))
	})
	return out
}

// PartialError is the error of a batch read where some keys were answered
// (by the system or from last good values) and others were not. The result
// slice returned with it is aligned with the keys asked; Failed tells which
// entries hold no answer. It unwraps to the *connectors.Error of the
// failure, so callers that do not look at keys treat it as a whole-batch
// failure.
type PartialError struct {
	failed []bool
	err    *connectors.Error
}

// Failed reports whether keys[i] got no answer.
func (e *PartialError) Failed(i int) bool { return i >= 0 && i < len(e.failed) && e.failed[i] }

func (e *PartialError) Error() string {
	n := 0
	for _, f := range e.failed {
		if f {
			n++
		}
	}
	return fmt.Sprintf("%d of %d keys failed: %v", n, len(e.failed), e.err)
}

func (e *PartialError) Unwrap() error { return e.err }

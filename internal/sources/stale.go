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
}

// staleCache is a bounded LRU of last good values. Values are shared with
// callers, who must not modify them (the guard's callers map them to other
// types and never write to them).
type staleCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently stored or served
	byKey map[staleKey]*list.Element
}

func newStaleCache(max int) *staleCache {
	return &staleCache{max: max, order: list.New(), byKey: map[staleKey]*list.Element{}}
}

// put stores e, evicting the least recently used entries beyond the bound.
func (c *staleCache) put(e staleEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[e.key]; ok {
		el.Value = e
		c.order.MoveToFront(el)
		return
	}
	c.byKey[e.key] = c.order.PushFront(e)
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(staleEntry).key)
	}
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
}

// StaleReport collects the stale fallbacks of one operation. It is safe for
// concurrent use.
type StaleReport struct {
	mu      sync.Mutex
	entries map[[2]string]time.Duration
}

type staleReportKey struct{}

// WithStaleReport returns ctx carrying a new report that the guard fills in
// whenever it answers a read from last good values.
func WithStaleReport(ctx context.Context) (context.Context, *StaleReport) {
	r := &StaleReport{entries: map[[2]string]time.Duration{}}
	return context.WithValue(ctx, staleReportKey{}, r), r
}

// staleReportFrom returns ctx's report, nil when none.
func staleReportFrom(ctx context.Context) *StaleReport {
	r, _ := ctx.Value(staleReportKey{}).(*StaleReport)
	return r
}

func (r *StaleReport) add(connector string, c connectors.Capability, age time.Duration) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k := [2]string{connector, string(c)}
	if old, ok := r.entries[k]; !ok || age > old {
		r.entries[k] = age
	}
}

// Entries lists one entry per connector capability answered stale, with
// the oldest age served, sorted by connector then capability.
func (r *StaleReport) Entries() []StaleEntry {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]StaleEntry, 0, len(r.entries))
	for k, age := range r.entries {
		out = append(out, StaleEntry{Connector: k[0], Capability: connectors.Capability(k[1]), Age: age})
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

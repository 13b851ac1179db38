package cache

import (
	"context"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Memory keeps each connector's entries in an LRU in this process. It never
// fails.
type Memory struct {
	hash    *hasher
	now     func() time.Time
	purgeID func(connector, key string) string

	mu     sync.Mutex
	byName map[string]*memStore
}

// NewMemory makes a memory backend; salt keys the HMAC of native keys (a
// random one when empty).
func NewMemory(salt string) *Memory {
	return &Memory{hash: newHasher(salt), now: time.Now, byName: map[string]*memStore{}}
}

// SetPurgeID names native keys for Purge: the caches For makes from now
// on index their entries by it. Set it before the first For.
func (m *Memory) SetPurgeID(fn func(connector, key string) string) { m.purgeID = fn }

// For implements Backend.
func (m *Memory) For(name string, ttl time.Duration, maxEntries int) *Cache {
	s := newMemStore(max(maxEntries, 1), ttl, m.now)
	m.mu.Lock()
	m.byName[name] = s
	m.mu.Unlock()
	return &Cache{name: name, ttl: ttl, hash: m.hash, store: s, purge: m.purgeID}
}

// Purge implements Backend.
func (m *Memory) Purge(_ context.Context, name string, ids []string) (int, error) {
	m.mu.Lock()
	s := m.byName[name]
	m.mu.Unlock()
	if s == nil {
		return 0, nil
	}
	n := 0
	for _, id := range ids {
		n += s.purge(id)
	}
	return n, nil
}

// Invalidate implements Backend.
func (m *Memory) Invalidate(_ context.Context, name string, keys []string) (int, error) {
	m.mu.Lock()
	s := m.byName[name]
	m.mu.Unlock()
	if s == nil {
		return 0, nil
	}
	n := 0
	for _, k := range keys {
		n += s.invalidate(m.hash.subject(name, k))
	}
	return n, nil
}

// Close implements Backend.
func (m *Memory) Close() error { return nil }

// Len is the number of entries held for the connector called name.
func (m *Memory) Len(name string) int {
	m.mu.Lock()
	s := m.byName[name]
	m.mu.Unlock()
	if s == nil {
		return 0
	}
	return s.lru.Len()
}

type memEntry struct {
	subject string
	value   any
	expires time.Time
}

// memStore is one connector's LRU, with an index of entry keys by subject
// for invalidation and the tombstones of recent invalidations.
type memStore struct {
	lru *lru.Cache[entryKey, memEntry]
	ttl time.Duration
	now func() time.Time

	mu         sync.Mutex // guards index, purges and tombstones; never held while calling lru
	index      map[string]map[entryKey]struct{}
	tombstones map[string]time.Time
	// purges maps purge IDs to subjects, subjectPurge back.
	purges       map[string]string
	subjectPurge map[string]string
}

func newMemStore(size int, ttl time.Duration, now func() time.Time) *memStore {
	s := &memStore{ttl: ttl, now: now, index: map[string]map[entryKey]struct{}{}, tombstones: map[string]time.Time{},
		purges: map[string]string{}, subjectPurge: map[string]string{}}
	// The callback runs with the LRU's lock held: it only takes s.mu.
	s.lru, _ = lru.NewWithEvict(size, func(k entryKey, _ memEntry) { s.unindex(k) }) // size > 0: no error
	return s
}

func (s *memStore) encoded() bool { return false }

func (s *memStore) get(_ context.Context, keys []entryKey) ([]any, error) {
	out := make([]any, len(keys))
	now := s.now()
	for i, k := range keys {
		e, ok := s.lru.Get(k)
		if !ok {
			continue
		}
		if !now.Before(e.expires) {
			s.lru.Remove(k)
			continue
		}
		out[i] = e.value
	}
	return out, nil
}

func (s *memStore) put(_ context.Context, entries []entry, start time.Time) error {
	now := s.now()
	for _, e := range entries {
		s.mu.Lock()
		t, dead := s.tombstones[e.key.subject]
		if dead && now.Sub(t) > s.ttl {
			delete(s.tombstones, e.key.subject)
			dead = false
		}
		s.mu.Unlock()
		if dead && !start.After(t) {
			continue // read before the key was invalidated
		}
		s.lru.Add(e.key, memEntry{subject: e.key.subject, value: e.value, expires: now.Add(s.ttl)})
		s.mu.Lock()
		set := s.index[e.key.subject]
		if set == nil {
			set = map[entryKey]struct{}{}
			s.index[e.key.subject] = set
		}
		set[e.key] = struct{}{}
		if e.purge != "" {
			s.purges[e.purge] = e.key.subject
			s.subjectPurge[e.key.subject] = e.purge
		}
		s.mu.Unlock()
	}
	return nil
}

// purge invalidates the subject purge ID id names (a key cached before):
// its entries go, and its tombstone keeps a read in flight from storing it
// again.
func (s *memStore) purge(id string) int {
	s.mu.Lock()
	subject, ok := s.purges[id]
	s.mu.Unlock()
	if !ok {
		return 0
	}
	return s.invalidate(subject)
}

func (s *memStore) unindex(k entryKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if set := s.index[k.subject]; set != nil {
		delete(set, k)
		if len(set) == 0 {
			delete(s.index, k.subject)
			if p, ok := s.subjectPurge[k.subject]; ok {
				delete(s.subjectPurge, k.subject)
				delete(s.purges, p)
			}
		}
	}
}

// invalidate drops the entries of subject and records its tombstone.
func (s *memStore) invalidate(subject string) int {
	now := s.now()
	s.mu.Lock()
	var keys []entryKey
	for k := range s.index[subject] {
		keys = append(keys, k)
	}
	s.tombstones[subject] = now
	// Tombstones outlive no entry: those older than the ttl go.
	for sub, t := range s.tombstones {
		if now.Sub(t) > s.ttl {
			delete(s.tombstones, sub)
		}
	}
	s.mu.Unlock()
	n := 0
	for _, k := range keys {
		if s.lru.Remove(k) {
			n++
		}
	}
	return n
}

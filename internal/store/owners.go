package store

import (
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// ownerCache holds identity documents by _id for Cached.Owners, each
// filed under the customer that owns it. An identity changes owner only
// through writes that invalidate its customer (a merge, a split, a move, a
// link or unlink, an erasure: the customer's keys document changes with
// it), so dropping a customer's identities with the customer keeps the
// cache as fresh as the keys it already holds. Identities not found are
// not cached: nothing would invalidate them when they are linked.
type ownerCache struct {
	lru *lru.Cache[string, ownerEntry]

	mu         sync.Mutex // guards byCustomer; never held while calling lru
	byCustomer map[string]map[string]struct{}
}

type ownerEntry struct {
	at       time.Time
	identity Identity
}

func newOwnerCache(size int) *ownerCache {
	oc := &ownerCache{byCustomer: map[string]map[string]struct{}{}}
	// The callback runs with the LRU's lock held: it only takes mu.
	oc.lru, _ = lru.NewWithEvict[string, ownerEntry](max(size, 1), func(id string, e ownerEntry) {
		oc.mu.Lock()
		defer oc.mu.Unlock()
		if set := oc.byCustomer[e.identity.CustomerID]; set != nil {
			delete(set, id)
			if len(set) == 0 {
				delete(oc.byCustomer, e.identity.CustomerID)
			}
		}
	})
	return oc
}

// get returns the identity document id when held and younger than ttl
// (any age when ttl is not positive).
func (oc *ownerCache) get(id string, now time.Time, ttl time.Duration) (Identity, bool) {
	e, ok := oc.lru.Get(id)
	if !ok {
		return Identity{}, false
	}
	if ttl > 0 && now.Sub(e.at) > ttl {
		oc.lru.Remove(id)
		return Identity{}, false
	}
	return e.identity, true
}

// put holds idn, read at at.
func (oc *ownerCache) put(idn Identity, at time.Time) {
	oc.mu.Lock()
	set := oc.byCustomer[idn.CustomerID]
	if set == nil {
		set = map[string]struct{}{}
		oc.byCustomer[idn.CustomerID] = set
	}
	set[idn.ID] = struct{}{}
	oc.mu.Unlock()
	oc.lru.Add(idn.ID, ownerEntry{at: at, identity: idn})
}

// drop forgets the identities customerID owns.
func (oc *ownerCache) drop(customerID string) {
	oc.mu.Lock()
	ids := make([]string, 0, len(oc.byCustomer[customerID]))
	for id := range oc.byCustomer[customerID] {
		ids = append(ids, id)
	}
	oc.mu.Unlock()
	for _, id := range ids {
		oc.lru.Remove(id)
	}
}

// purge forgets everything.
func (oc *ownerCache) purge() { oc.lru.Purge() }

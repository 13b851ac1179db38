package jsonmap

import (
	"cmp"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// AlignProfiles answers keys from records matched by their Key: out[i] is
// the first record whose Key equals keys[i], nil when there is none. Records
// of keys not asked are ignored. Duplicate keys get the same record.
func AlignProfiles(keys []string, records []connectors.Profile) []*connectors.Profile {
	byKey := make(map[string]int, len(records))
	for i := range records {
		if _, dup := byKey[records[i].Key]; !dup {
			byKey[records[i].Key] = i
		}
	}
	found := 0
	for _, k := range keys {
		if _, ok := byKey[k]; ok {
			found++
		}
	}
	// One array holds the copies the answer points to; every key, repeated
	// or not, gets its own.
	copies := make([]connectors.Profile, 0, found)
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		if at, ok := byKey[k]; ok {
			copies = append(copies, records[at])
			out[i] = &copies[len(copies)-1]
		}
	}
	return out
}

// AlignOrders answers keys from orders matched by CustomerKey: out[i] holds
// the orders of keys[i] inside w, newest first (ties by ID, descending), at
// most w.Limit of them (all when w.Limit <= 0). A key without orders gets an
// empty, non-nil slice.
func AlignOrders(keys []string, orders []connectors.Order, w connectors.Window) [][]connectors.Order {
	return align(keys, orders, w, func(o connectors.Order) (string, time.Time, string) {
		return o.CustomerKey, o.PlacedAt, o.ID
	})
}

// AlignInteractions is AlignOrders for interactions.
func AlignInteractions(keys []string, list []connectors.Interaction, w connectors.Window) [][]connectors.Interaction {
	return align(keys, list, w, func(it connectors.Interaction) (string, time.Time, string) {
		return it.CustomerKey, it.OccurredAt, it.ID
	})
}

func align[T any](keys []string, items []T, w connectors.Window, at func(T) (string, time.Time, string)) [][]T {
	// Number the keys asked; repeated keys share a group.
	group := make(map[string]int, len(keys))
	for _, k := range keys {
		if _, ok := group[k]; !ok {
			group[k] = len(group)
		}
	}
	// Sort positions in items, not records: count each group's items inside
	// the window, lay the groups out one after the other, then sort each
	// group newest first on the times and IDs read once.
	type entry struct {
		group int
		t     time.Time
		id    string
	}
	entries := make([]entry, len(items))
	start := make([]int, len(group)+1)
	for i, it := range items {
		k, t, id := at(it)
		g, asked := group[k]
		if !asked || !w.Contains(t) {
			g = -1
		} else {
			start[g+1]++
		}
		entries[i] = entry{g, t, id}
	}
	for g := range len(group) {
		start[g+1] += start[g]
	}
	pos := make([]int, start[len(group)])
	next := slices.Clone(start[:len(group)])
	for i, e := range entries {
		if e.group >= 0 {
			pos[next[e.group]] = i
			next[e.group]++
		}
	}
	total := 0
	lists := make([][]int, len(group))
	for g := range lists {
		list := pos[start[g]:start[g+1]]
		slices.SortStableFunc(list, func(a, b int) int {
			ea, eb := &entries[a], &entries[b]
			if c := eb.t.Compare(ea.t); c != 0 {
				return c
			}
			return cmp.Compare(eb.id, ea.id)
		})
		if w.Limit > 0 && len(list) > w.Limit {
			list = list[:w.Limit]
		}
		lists[g] = list
	}
	for _, k := range keys {
		total += len(lists[group[k]])
	}
	// One array holds every key's records, each key its own part of it
	// (repeated keys too), capped so that appending to one never writes
	// over the next.
	all := make([]T, total)
	out := make([][]T, len(keys))
	off := 0
	for i, k := range keys {
		list := lists[group[k]]
		part := all[off : off+len(list) : off+len(list)]
		for j, p := range list {
			part[j] = items[p]
		}
		out[i] = part
		off += len(list)
	}
	return out
}

// SortNewestFirst sorts items by time, newest first, ties by ID descending
// (the order the gateway's timeline expects).
func SortNewestFirst[T any](items []T, at func(T) (key string, t time.Time, id string)) {
	slices.SortStableFunc(items, func(a, b T) int { return newestFirst(at, a, b) })
}

// newestFirst orders a before b when it is newer, or as new with a greater
// ID.
func newestFirst[T any](at func(T) (string, time.Time, string), a, b T) int {
	_, ta, ida := at(a)
	_, tb, idb := at(b)
	if c := tb.Compare(ta); c != 0 {
		return c
	}
	return cmp.Compare(idb, ida)
}

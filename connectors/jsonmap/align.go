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
	byKey := make(map[string]*connectors.Profile, len(records))
	for i := range records {
		if _, dup := byKey[records[i].Key]; !dup {
			byKey[records[i].Key] = &records[i]
		}
	}
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		if p, ok := byKey[k]; ok {
			cp := *p
			out[i] = &cp
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
	// Work on positions in items: sorting them moves ints, not records.
	byKey := make(map[string][]int, len(keys))
	for _, k := range keys {
		byKey[k] = nil
	}
	for i, it := range items {
		k, t, _ := at(it)
		if list, asked := byKey[k]; asked && w.Contains(t) {
			byKey[k] = append(list, i)
		}
	}
	for k, list := range byKey {
		slices.SortStableFunc(list, func(a, b int) int { return newestFirst(at, items[a], items[b]) })
		if w.Limit > 0 && len(list) > w.Limit {
			list = list[:w.Limit]
		}
		byKey[k] = list
	}
	out := make([][]T, len(keys))
	for i, k := range keys {
		list := byKey[k]
		out[i] = make([]T, len(list))
		for j, at := range list {
			out[i][j] = items[at]
		}
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

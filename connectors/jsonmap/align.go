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
	byKey := make(map[string][]T, len(keys))
	for _, k := range keys {
		byKey[k] = nil
	}
	for _, it := range items {
		k, t, _ := at(it)
		if list, asked := byKey[k]; asked && w.Contains(t) {
			byKey[k] = append(list, it)
		}
	}
	for k, list := range byKey {
		SortNewestFirst(list, at)
		if w.Limit > 0 && len(list) > w.Limit {
			list = list[:w.Limit]
		}
		byKey[k] = list
	}
	out := make([][]T, len(keys))
	for i, k := range keys {
		out[i] = append(make([]T, 0, len(byKey[k])), byKey[k]...)
	}
	return out
}

// SortNewestFirst sorts items by time, newest first, ties by ID descending
// (the order the gateway's timeline expects).
func SortNewestFirst[T any](items []T, at func(T) (key string, t time.Time, id string)) {
	slices.SortStableFunc(items, func(a, b T) int {
		_, ta, ida := at(a)
		_, tb, idb := at(b)
		if c := tb.Compare(ta); c != 0 {
			return c
		}
		return cmp.Compare(idb, ida)
	})
}

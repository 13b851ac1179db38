package jsonmap

import (
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// alignRef is align as first written: it sorts the records themselves.
func alignRef[T any](keys []string, items []T, w connectors.Window, at func(T) (string, time.Time, string)) [][]T {
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

func TestAlignMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	base := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	for round := range 300 {
		n := rng.IntN(40)
		list := make([]connectors.Interaction, n)
		for i := range list {
			list[i] = connectors.Interaction{
				ID:          strconv.Itoa(rng.IntN(6)), // repeated IDs: ties kept in input order
				CustomerKey: strconv.Itoa(rng.IntN(5)),
				OccurredAt:  base.Add(time.Duration(rng.IntN(5)) * time.Hour),
				Summary:     strconv.Itoa(i),
			}
		}
		keys := []string{"0", "1", "3", "1", "9"}[:1+rng.IntN(5)]
		w := connectors.Window{Limit: rng.IntN(4)}
		if rng.IntN(2) == 0 {
			w.Since, w.Until = base.Add(time.Hour), base.Add(4*time.Hour)
		}
		got := AlignInteractions(keys, list, w)
		want := alignRef(keys, list, w, func(it connectors.Interaction) (string, time.Time, string) {
			return it.CustomerKey, it.OccurredAt, it.ID
		})
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: AlignInteractions = %v, reference = %v", round, got, want)
		}
		for i := range got {
			if got[i] == nil {
				t.Fatalf("round %d: key %d has a nil slice", round, i)
			}
		}
	}
}

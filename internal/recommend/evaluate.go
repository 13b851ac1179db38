package recommend

import (
	"slices"
	"time"
)

// Evaluation is the outcome of an offline evaluation.
type Evaluation struct {
	// Customers is how many customers were tested: those with an order
	// held out and something before it (an earlier order or a view).
	Customers int
	K         int
	// Hits and PopularHits count the customers for whom at least one item
	// of the held-out order is among the first K suggestions of the model
	// and of the popularity baseline.
	Hits, PopularHits int
	// CoverageItems is how many distinct items the model suggested in
	// all, against the baseline's.
	CoverageItems, PopularCoverageItems int
}

// HitRate is Hits over Customers.
func (e Evaluation) HitRate() float64 { return ratio(e.Hits, e.Customers) }

// PopularHitRate is PopularHits over Customers.
func (e Evaluation) PopularHitRate() float64 { return ratio(e.PopularHits, e.Customers) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Evaluate holds out each customer's last order (its basket), learns the
// model from everything that happened before each customer's held-out
// order (nothing of any held-out order, nor any later view, is learnt),
// then asks it and the popularity baseline for k items at the time of the
// held-out order, with the same exclusions, and counts the hits.
func Evaluate(histories []History, k int, o Options) Evaluation {
	type split struct {
		train   History
		heldOut map[string]bool
		at      time.Time
	}
	splits := make([]split, 0, len(histories))
	for _, h := range histories {
		var last Signal
		found := false
		for _, s := range h {
			if s.Kind == Bought && s.Basket != "" && (!found || s.At.After(last.At) || (s.At.Equal(last.At) && s.Basket > last.Basket)) {
				last, found = s, true
			}
		}
		if !found {
			splits = append(splits, split{train: h})
			continue
		}
		sp := split{heldOut: map[string]bool{}, at: last.At}
		for _, s := range h {
			switch {
			case s.Kind == Bought && s.Basket == last.Basket:
				sp.heldOut[s.SKU] = true
			case s.At.Before(last.At):
				sp.train = append(sp.train, s)
			}
		}
		splits = append(splits, sp)
	}
	m := Build(func(yield func(History) bool) {
		for _, sp := range splits {
			if !yield(sp.train) {
				return
			}
		}
	}, o)
	ev := Evaluation{K: k}
	items, popItems := map[string]bool{}, map[string]bool{}
	for _, sp := range splits {
		if sp.heldOut == nil || len(sp.train) == 0 {
			continue
		}
		ev.Customers++
		req := Request{Now: sp.at.Add(-time.Second), First: k}
		if hit(m.Recommend(sp.train, req), sp.heldOut, items) {
			ev.Hits++
		}
		if hit(m.Popular(sp.train, req), sp.heldOut, popItems) {
			ev.PopularHits++
		}
	}
	ev.CoverageItems, ev.PopularCoverageItems = len(items), len(popItems)
	return ev
}

func hit(recs []Recommendation, want, seen map[string]bool) bool {
	for _, r := range recs {
		seen[r.SKU] = true
	}
	return slices.ContainsFunc(recs, func(r Recommendation) bool { return want[r.SKU] })
}

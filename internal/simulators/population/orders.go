package population

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// lines draws 1..maxLines distinct products.
func lines(r *rand.Rand, maxLines int) ([]Line, int64) {
	n := 1 + r.IntN(maxLines)
	perm := r.Perm(len(Products))[:n]
	out := make([]Line, 0, n)
	var total int64
	for _, k := range perm {
		pr := Products[k]
		q := 1
		if chance(r, 0.25) {
			q = 2 + r.IntN(2)
		}
		out = append(out, Line{SKU: pr.SKU, Title: pr.Title, Quantity: q, UnitCents: pr.UnitCents})
		total += int64(q) * pr.UnitCents
	}
	return out, total
}

// orders generates 0-15 online orders, newest first.
func (g *generator) orders(r *rand.Rand, rec Record) []Order {
	times := chronological(r, skewed(r, 15), activityFrom(rec), Now.Add(-time.Hour))
	out := make([]Order, 0, len(times))
	for _, t := range times {
		seq := g.nextSeq("order")
		ls, total := lines(r, 4)
		status := "paid"
		switch f := r.Float64(); {
		case Now.Sub(t) < 72*time.Hour && f < 0.5:
			status = "pending"
		case f < 0.06:
			status = "refunded"
		case f < 0.12:
			status = "partially_refunded"
		}
		out = append(out, Order{
			ID:              fmt.Sprintf("gid://shop/Order/%d", 5_100_000+seq),
			Name:            fmt.Sprintf("#%d", 1000+seq),
			CreatedAt:       t,
			FinancialStatus: status,
			TotalCents:      total,
			Lines:           ls,
		})
	}
	slices.Reverse(out)
	return out
}

// sales generates 0-10 in-store sales, newest first, mostly in the home
// store.
func (g *generator) sales(r *rand.Rand, rec Record) []Sale {
	stores := allStores()
	times := chronological(r, skewed(r, 10), activityFrom(rec), Now.Add(-time.Hour))
	out := make([]Sale, 0, len(times))
	for _, t := range times {
		// Stores open 09:00-20:00 (UTC here, close enough for a demo).
		t = time.Date(t.Year(), t.Month(), t.Day(), 9+r.IntN(11), t.Minute(), t.Second(), 0, time.UTC)
		if t.After(Now) {
			t = t.AddDate(0, 0, -1)
		}
		store := rec.HomeStore
		if chance(r, 0.2) {
			store = pick(r, stores)
		}
		ls, total := lines(r, 4)
		status := "completed"
		if chance(r, 0.05) {
			status = "refunded"
		}
		out = append(out, Sale{
			ID:         fmt.Sprintf("S-%08d", g.nextSeq("sale")),
			Store:      store,
			SoldAt:     t,
			TotalCents: total,
			Status:     status,
			Lines:      ls,
		})
	}
	sortNewestFirst(out, func(s Sale) (time.Time, int64) { return s.SoldAt, idNumber(s.ID) })
	return out
}

// sortNewestFirst orders by time descending, then by id number descending.
func sortNewestFirst[T any](xs []T, key func(T) (time.Time, int64)) {
	slices.SortStableFunc(xs, func(a, b T) int {
		ta, ia := key(a)
		tb, ib := key(b)
		if c := tb.Compare(ta); c != 0 {
			return c
		}
		return cmp.Compare(ib, ia)
	})
}

// idNumber returns the number at the end of an id such as "cv_12" or
// "S-00000012".
func idNumber(id string) int64 {
	i := len(id)
	for i > 0 && id[i-1] >= '0' && id[i-1] <= '9' {
		i--
	}
	n, _ := strconv.ParseInt(id[i:], 10, 64)
	return n
}

package recommend

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// demoHistories turns the demo population's raw data (the simulators'
// own records, not what Harmony read of them) into histories: the shop's
// orders and the point of sale's sales (refunds left out), and the
// product views the analytics system joined to the person.
func demoHistories(pop *population.Population) []History {
	var out []History
	for _, p := range pop.People {
		var h History
		for _, o := range p.Orders {
			if o.FinancialStatus == "refunded" {
				continue
			}
			for _, l := range o.Lines {
				h = append(h, Signal{Kind: Bought, SKU: l.SKU, Name: l.Title, At: o.CreatedAt, Basket: "shop:" + o.ID})
			}
		}
		for _, s := range p.Sales {
			if s.Status == "refunded" {
				continue
			}
			for _, l := range s.Lines {
				h = append(h, Signal{Kind: Bought, SKU: l.SKU, Name: l.Title, At: s.SoldAt, Basket: "pos:" + s.ID})
			}
		}
		for _, e := range p.AppEvents {
			if e.Joined && e.SKU != "" && e.Name == "Product Viewed" {
				h = append(h, Signal{Kind: Viewed, SKU: e.SKU, At: e.Timestamp})
			}
		}
		out = append(out, h)
	}
	return out
}

// shapedPopulation is a second population, made here independently of
// the demo's generator and unlike it: a long tail of items (Zipf
// popularity inside a collection), tastes (each person keeps to one to
// three of 40 collections), seasonal items (sold only from October to
// March, or April to September), items retired a year ago (out of
// catalogue) and views that mostly follow taste.
func shapedPopulation(seed uint64, people, items int) ([]History, time.Time) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const collections = 40
	type item struct {
		sku, name  string
		collection int
		season     int // 0 all year, 1 winter, 2 summer
		retired    bool
		weight     float64
	}
	all := make([]item, items)
	byCollection := make([][]int, collections)
	for i := range all {
		c := r.IntN(collections)
		all[i] = item{sku: fmt.Sprintf("SKU-%04d", i), name: fmt.Sprintf("Item %d", i), collection: c,
			weight: 1 / math.Pow(float64(len(byCollection[c])+1), 1.1)}
		switch f := r.Float64(); {
		case f < 0.15:
			all[i].season = 1
		case f < 0.30:
			all[i].season = 2
		}
		all[i].retired = r.Float64() < 0.05
		byCollection[c] = append(byCollection[c], i)
	}
	// draw picks an item of the given collections (-1: any) sold at t.
	draw := func(cs []int, t time.Time) (item, bool) {
		var pool []int
		if len(cs) == 0 {
			for c := range byCollection {
				pool = append(pool, byCollection[c]...)
			}
		} else {
			for _, c := range cs {
				pool = append(pool, byCollection[c]...)
			}
		}
		winter := t.Month() >= time.October || t.Month() <= time.March
		var total float64
		ok := pool[:0:0]
		for _, i := range pool {
			it := all[i]
			if (it.season == 1 && !winter) || (it.season == 2 && winter) || (it.retired && t.After(now.AddDate(-1, 0, 0))) {
				continue
			}
			ok = append(ok, i)
			total += it.weight
		}
		if len(ok) == 0 {
			return item{}, false
		}
		x := r.Float64() * total
		for _, i := range ok {
			if x -= all[i].weight; x <= 0 {
				return all[i], true
			}
		}
		return all[ok[len(ok)-1]], true
	}
	out := make([]History, 0, people)
	for p := range people {
		tastes := make([]int, 1+r.IntN(3))
		for i := range tastes {
			tastes[i] = r.IntN(collections)
		}
		var h History
		orders := 1 + int(math.Floor(-math.Log(1-r.Float64())*2.5)) // geometric-like: many one-off buyers
		for o := range orders {
			t := now.Add(-time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
			basket := fmt.Sprintf("o%d-%d", p, o)
			for range 1 + r.IntN(4) {
				cs := tastes
				if r.Float64() < 0.3 {
					cs = nil
				}
				if it, ok := draw(cs, t); ok {
					h = append(h, Signal{Kind: Bought, SKU: it.sku, Name: it.name, At: t, Basket: basket})
				}
			}
		}
		for range r.IntN(12) {
			t := now.Add(-time.Duration(r.Int64N(int64(2 * 365 * 24 * time.Hour))))
			cs := tastes
			if r.Float64() < 0.4 {
				cs = nil
			}
			if it, ok := draw(cs, t); ok {
				h = append(h, Signal{Kind: Viewed, SKU: it.sku, At: t})
			}
		}
		out = append(out, h)
	}
	return out, now
}

// The offline evaluation: each customer's last order held out, hit rate
// at 10 of the model against the most popular items, on the demo
// population and on a second population of another shape. The figures
// are logged (-v) and go in docs/recommendations.md.
func TestOfflineEvaluationBeatsPopularity(t *testing.T) {
	demoPeople := population.DefaultPeople
	if testing.Short() {
		demoPeople = 300
	}
	shaped, shapedNow := shapedPopulation(7, 5000, 1200)
	cases := []struct {
		name      string
		histories []History
		now       time.Time
		// mustBeat: the model must beat the baseline by more than noise
		// could (the demo's baskets are uniform draws: see
		// docs/recommendations.md).
		mustBeat bool
	}{
		{"demo", demoHistories(population.Generate(population.DefaultSeed, demoPeople)), population.Now, false},
		{"shaped", shaped, shapedNow, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := Evaluate(tc.histories, 10, Options{Now: tc.now})
			if ev.Customers < 100 {
				t.Fatalf("only %d customers evaluated", ev.Customers)
			}
			// The difference of two hit rates over n customers: its
			// standard error is at most sqrt(2·0.25/n).
			se := math.Sqrt(0.5 / float64(ev.Customers))
			t.Logf("%s: %d customers, hit rate@10 %.3f (items suggested %d) vs popularity %.3f (items %d), difference %.3f, standard error %.3f",
				tc.name, ev.Customers, ev.HitRate(), ev.CoverageItems, ev.PopularHitRate(), ev.PopularCoverageItems,
				ev.HitRate()-ev.PopularHitRate(), se)
			if tc.mustBeat && ev.HitRate()-ev.PopularHitRate() < 2*se {
				t.Errorf("hit rate %.3f does not beat popularity's %.3f by two standard errors (%.3f)", ev.HitRate(), ev.PopularHitRate(), 2*se)
			}
			if ev.HitRate() < ev.PopularHitRate()-2*se {
				t.Errorf("hit rate %.3f is below popularity's %.3f", ev.HitRate(), ev.PopularHitRate())
			}
		})
	}
}

package recommend

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestRecommendReasonsAndExclusions(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	buy := func(sku string, ago time.Duration, basket string) Signal {
		return Signal{Kind: Bought, SKU: sku, Name: "name of " + sku, At: now.Add(-ago), Basket: basket}
	}
	view := func(sku string, ago time.Duration) Signal { return Signal{Kind: Viewed, SKU: sku, At: now.Add(-ago)} }
	// Jeans go with belts, tents with lamps; a retired item was last sold
	// two years ago; mugs are the most bought item.
	var pop []History
	for i := range 30 {
		pop = append(pop, History{buy("JEANS", 10*day, "a"), buy("BELT", 20*day, "b")})
		pop = append(pop, History{buy("TENT", 10*day, "c"), buy("LAMP", 30*day, "d"), view("STOVE", 5*day)})
		pop = append(pop, History{buy("MUG", day, "e")}, History{buy("MUG", 2*day, "f")})
		if i < 10 {
			pop = append(pop, History{buy("JEANS", 800*day, "g"), buy("RETIRED", 800*day, "g")})
		}
		pop = append(pop, History{view("BOOTS", 5*day), buy("SOCKS", 4*day, "h")})
	}
	m := Build(slices.Values(pop), Options{Now: now})
	if m.InCatalogue("RETIRED") || !m.InCatalogue("JEANS") {
		t.Fatalf("catalogue: RETIRED %v, JEANS %v", m.InCatalogue("RETIRED"), m.InCatalogue("JEANS"))
	}
	show := func(recs []Recommendation) string {
		var out []string
		for _, r := range recs {
			why := map[ReasonKind]string{BecauseBought: "bought", BecauseViewed: "viewed", BecauseContext: "context", BecausePopular: "popular"}[r.Reason.Kind]
			out = append(out, fmt.Sprintf("%s(%s %s)", r.SKU, why, r.Reason.SKU))
		}
		return fmt.Sprint(out)
	}
	cases := []struct {
		name string
		h    History
		req  Request
		want string
	}{
		{"bought jeans long ago: a belt, then what is popular; never the retired item",
			History{buy("JEANS", 200*day, "x")}, Request{First: 3},
			"[BELT(bought JEANS) MUG(popular ) JEANS(popular )]"},
		{"bought jeans recently: not suggested again",
			History{buy("JEANS", 10*day, "x")}, Request{First: 2},
			"[BELT(bought JEANS) MUG(popular )]"},
		{"viewed boots: socks, and the boots",
			History{view("BOOTS", day)}, Request{First: 2},
			"[SOCKS(viewed BOOTS) BOOTS(viewed BOOTS)]"},
		{"a tent on screen: the lamp, not the tent",
			nil, Request{First: 1, Context: []string{"TENT"}},
			"[LAMP(context TENT)]"},
		{"nothing known: popular only",
			nil, Request{First: 2},
			"[MUG(popular ) JEANS(popular )]"},
		{"no fill", History{buy("JEANS", 200*day, "x")}, Request{First: 3, NoFill: true},
			"[BELT(bought JEANS)]"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Now = now
			if got := show(m.Recommend(tc.h, tc.req)); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	if got := m.Recommend(nil, Request{Now: now}); got != nil {
		t.Errorf("First 0 gave %v", got)
	}
	var none *Model
	if got := none.Recommend(nil, Request{Now: now, First: 3}); got != nil {
		t.Errorf("a nil model gave %v", got)
	}
}

// A request costs microseconds: the model is built beforehand.
func BenchmarkRecommend(b *testing.B) {
	hs, now := shapedPopulation(11, 5000, 1200)
	m := Build(slices.Values(hs), Options{Now: now})
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m.Recommend(hs[i%len(hs)], Request{Now: now, First: 10})
	}
}

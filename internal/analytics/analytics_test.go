package analytics_test

import (
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/analytics"
	"github.com/harmonyhq/harmony/internal/kpi"
)

// expected holds the figures worked out from the raw records with plain
// loops: nothing here calls the analytics or kpi packages.
type expected struct {
	buyers, repeat int
	cohorts        map[string][]int // first-order month -> active per month after
	churn          map[string]int
	churnOf        []string // per customer, "" for non-buyers
	engagement     []int
	csatN, csatSum int
	satisfied      int
	nps            [4]int // respondents, promoters, passives, detractors
	npsMonths      map[string][4]int
	frt            map[string][2]float64 // channel -> count, sum of seconds
	campaigns      map[string][2]int     // campaign -> touched, converted
	mix            map[string]int
}

func monthIndex(s string) int {
	t, _ := time.Parse("2006-01", s)
	return t.Year()*12 + int(t.Month()) - 1
}

func expect(cs []rawCustomer, now time.Time) expected {
	w := expected{cohorts: map[string][]int{}, churn: map[string]int{}, npsMonths: map[string][4]int{},
		frt: map[string][2]float64{}, campaigns: map[string][2]int{}, mix: map[string]int{}}
	year := 365 * 24 * time.Hour
	nowMonth := monthIndex(now.UTC().Format("2006-01"))
	for _, c := range cs {
		// Orders.
		level := ""
		if len(c.orders) > 0 {
			w.buyers++
			if len(c.orders) > 1 {
				w.repeat++
			}
			first, last := c.orders[0].at, c.orders[0].at
			for _, o := range c.orders {
				if o.at.Before(first) {
					first = o.at
				}
				if o.at.After(last) {
					last = o.at
				}
			}
			fm := first.UTC().Format("2006-01")
			if w.cohorts[fm] == nil {
				w.cohorts[fm] = make([]int, nowMonth-monthIndex(fm)+1)
			}
			months := map[int]bool{}
			for _, o := range c.orders {
				months[monthIndex(o.at.UTC().Format("2006-01"))-monthIndex(fm)] = true
			}
			for k := range months {
				if k < len(w.cohorts[fm]) {
					w.cohorts[fm][k]++
				}
			}
			// Churn: RFM on fixed thresholds.
			days := int(now.Sub(last).Hours()) / 24
			n := 0
			spend := map[string]int64{}
			for _, o := range c.orders {
				if now.Sub(o.at) >= 0 && now.Sub(o.at) < year {
					n++
					if o.status != "refunded" && o.status != "cancelled" {
						spend[o.cur] += o.cents
					}
				}
			}
			cur, best := "", int64(0)
			for _, k := range []string{"EUR", "JPY"} {
				if spend[k] > best {
					cur, best = k, spend[k]
				}
			}
			major := float64(best) / 100
			if cur == "JPY" {
				major = float64(best)
			}
			r := 1
			for _, t := range []struct{ d, s int }{{365, 2}, {180, 3}, {90, 4}, {30, 5}} {
				if days <= t.d {
					r = t.s
				}
			}
			f := 1
			switch {
			case n >= 6:
				f = 5
			case n >= 4:
				f = 4
			case n >= 2:
				f = 3
			case n == 1:
				f = 2
			}
			m := 1
			switch {
			case major >= 1000:
				m = 5
			case major >= 500:
				m = 4
			case major >= 200:
				m = 3
			case major > 0:
				m = 2
			}
			risk := float64(50-(5*r+3*f+2*m)) / 40
			level = "LOW"
			if risk >= 0.75 {
				level = "HIGH"
			} else if risk >= 0.5 {
				level = "MEDIUM"
			}
			w.churn[level]++
		}
		w.churnOf = append(w.churnOf, level)

		// Contacts.
		var lastContact time.Time
		inYear := 0
		var npsAt time.Time
		npsLatest := -1
		touch := map[string]time.Time{}
		for _, ct := range c.contacts {
			started := ct.inbound && (ct.kind == "conversation" || ct.kind == "ticket" || ct.kind == "message" || ct.kind == "call")
			if started && !ct.at.After(now) {
				if ct.at.After(lastContact) {
					lastContact = ct.at
				}
				if now.Sub(ct.at) < year {
					inYear++
					w.mix[ct.channel]++
				}
			}
			if ct.csat > 0 {
				w.csatN++
				w.csatSum += ct.csat
				if ct.csat >= 4 {
					w.satisfied++
				}
			}
			if ct.nps > 0 {
				v := ct.nps - 1
				if ct.at.After(npsAt) {
					npsAt, npsLatest = ct.at, v
				}
				m := w.npsMonths[ct.at.UTC().Format("2006-01")]
				m[0]++
				m[category(v)]++
				w.npsMonths[ct.at.UTC().Format("2006-01")] = m
			}
			if (ct.kind == "conversation" || ct.kind == "ticket") && ct.answered != nil && !ct.answered.Before(ct.at) {
				f := w.frt[ct.channel]
				w.frt[ct.channel] = [2]float64{f[0] + 1, f[1] + ct.answered.Sub(ct.at).Seconds()}
			}
			if ct.kind == "email_opened" && ct.campaign != "" {
				if t, ok := touch[ct.campaign]; !ok || ct.at.Before(t) {
					touch[ct.campaign] = ct.at
				}
			}
		}
		score := 0
		if !lastContact.IsZero() {
			d := int(now.Sub(lastContact).Hours()) / 24
			score += 50 * (365 - min(d, 365)) / 365
		}
		score += 50 * min(inYear, 12) / 12
		w.engagement = append(w.engagement, score)
		if npsLatest >= 0 {
			w.nps[0]++
			w.nps[category(npsLatest)]++
		}
		for camp, at := range touch {
			f := w.campaigns[camp]
			f[0]++
			for _, o := range c.orders {
				if !o.at.Before(at) && !o.at.After(at.Add(7*24*time.Hour)) {
					f[1]++
					break
				}
			}
			w.campaigns[camp] = f
		}
	}
	return w
}

func category(v int) int {
	switch {
	case v >= 9:
		return 1
	case v >= 7:
		return 2
	}
	return 3
}

func TestAnalyzeMatchesFiguresWorkedOutFromTheRawRecords(t *testing.T) {
	for _, tc := range []struct {
		name string
		seed uint64
		n    int
	}{
		{"small", 1, 40},
		{"thousands", 7, 3000},
		{"other seed", 99, 1500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := shapes(tc.seed, tc.n)
			facts := make([]*analytics.Facts, len(raw))
			for i := range raw {
				facts[i] = analytics.FactsOf(raw[i].input())
			}
			got := analytics.Analyze(facts, analytics.Options{Now: shapesNow})
			w := expect(raw, shapesNow)
			checkReport(t, got, w, tc.n)
			for i, f := range facts {
				ch, ok := f.Churn(shapesNow)
				if (w.churnOf[i] != "") != ok || (ok && ch.Level != w.churnOf[i]) {
					t.Errorf("customer %d churn %v %s, want %q", i, ok, ch.Level, w.churnOf[i])
				}
				if e := f.Engagement(shapesNow); e.Score != w.engagement[i] {
					t.Errorf("customer %d engagement %d, want %d", i, e.Score, w.engagement[i])
				}
			}
		})
	}
}

func checkReport(t *testing.T, got analytics.Report, w expected, n int) {
	t.Helper()
	if got.Customers != n || got.Buyers != w.buyers || got.RepeatBuyers != w.repeat {
		t.Errorf("customers %d, buyers %d, repeat %d; want %d, %d, %d", got.Customers, got.Buyers, got.RepeatBuyers, n, w.buyers, w.repeat)
	}
	if len(got.Cohorts) != len(w.cohorts) {
		t.Errorf("%d cohorts, want %d", len(got.Cohorts), len(w.cohorts))
	}
	for _, c := range got.Cohorts {
		want := w.cohorts[c.Month.String()]
		if c.Customers != want[0] || !slices.Equal(c.Active, want) {
			t.Errorf("cohort %s: %d customers, active %v; want %v", c.Month, c.Customers, c.Active, want)
		}
	}
	// The curve: per month after, the cohorts that reached it.
	var months []string
	for m := range w.cohorts {
		months = append(months, m)
	}
	sort.Strings(months)
	for k, p := range got.Retention {
		el, ac := 0, 0
		for _, m := range months {
			if a := w.cohorts[m]; k < len(a) {
				el += a[0]
				ac += a[k]
			}
		}
		if p.MonthsAfter != k || p.Eligible != el || p.Active != ac {
			t.Errorf("retention[%d] = %+v, want %d of %d", k, p, ac, el)
		}
	}
	for _, level := range []string{"LOW", "MEDIUM", "HIGH"} {
		if got.Churn[level] != w.churn[level] {
			t.Errorf("churn %s = %d, want %d", level, got.Churn[level], w.churn[level])
		}
	}
	sum := 0
	for _, e := range w.engagement {
		sum += e
	}
	if got.EngagementSum != sum {
		t.Errorf("engagement sum %d, want %d", got.EngagementSum, sum)
	}
	if got.CSAT.N != w.csatN || got.CSAT.Sum != w.csatSum || got.Satisfied != w.satisfied {
		t.Errorf("csat %+v satisfied %d; want %d ratings summing %d, %d satisfied", got.CSAT, got.Satisfied, w.csatN, w.csatSum, w.satisfied)
	}
	if g := [4]int{got.NPS.N, got.NPS.Promoters, got.NPS.Passives, got.NPS.Detractors}; g != w.nps {
		t.Errorf("nps %v, want %v", g, w.nps)
	}
	if len(got.NPSTrend) != len(w.npsMonths) {
		t.Errorf("%d NPS months, want %d", len(got.NPSTrend), len(w.npsMonths))
	}
	for _, m := range got.NPSTrend {
		if g := [4]int{m.N, m.Promoters, m.Passives, m.Detractors}; g != w.npsMonths[m.Month.String()] {
			t.Errorf("NPS %s = %v, want %v", m.Month, g, w.npsMonths[m.Month.String()])
		}
	}
	if len(got.FirstResponse) != len(w.frt) {
		t.Errorf("first response on %d channels, want %d", len(got.FirstResponse), len(w.frt))
	}
	for _, c := range got.FirstResponse {
		want := w.frt[c.Channel]
		mean, _ := c.Mean()
		if float64(c.N) != want[0] || math.Abs(mean.Seconds()-want[1]/want[0]) > 1e-6 {
			t.Errorf("first response %s: %d, mean %v; want %v, %v s", c.Channel, c.N, mean, want[0], want[1]/want[0])
		}
	}
	if len(got.Campaigns) != len(w.campaigns) {
		t.Errorf("%d campaigns, want %d", len(got.Campaigns), len(w.campaigns))
	}
	for _, c := range got.Campaigns {
		if g := [2]int{c.Touched, c.Converted}; g != w.campaigns[c.Campaign] {
			t.Errorf("campaign %s: %v, want %v", c.Campaign, g, w.campaigns[c.Campaign])
		}
	}
	if len(got.ChannelMix) != len(w.mix) {
		t.Errorf("mix %v, want %v", got.ChannelMix, w.mix)
	}
	for _, c := range got.ChannelMix {
		if c.Contacts != w.mix[c.Channel] {
			t.Errorf("mix %s = %d, want %d", c.Channel, c.Contacts, w.mix[c.Channel])
		}
	}
}

// The month of an order is its UTC month, whatever the zone it was written
// in; a cohort's retention counts a customer once per month.
func TestCohortsUseUTCMonths(t *testing.T) {
	east, west := time.FixedZone("UTC+2", 2*3600), time.FixedZone("UTC-3", -3*3600)
	order := func(at time.Time) kpi.Order {
		return kpi.Order{Source: "shop", Order: connectors.Order{ID: at.String(), PlacedAt: at, Status: "paid", Total: connectors.Money{Minor: 100, Currency: "EUR"}}}
	}
	cases := []struct {
		name   string
		orders []time.Time
		cohort string
		active []int
	}{
		// 00:30 on 1 February in UTC+2 is 22:30 on 31 January in UTC.
		{"east of UTC, just after midnight", []time.Time{time.Date(2026, 2, 1, 0, 30, 0, 0, east)}, "2026-01", []int{1, 0, 0}},
		// 22:00 on 31 January in UTC−3 is 01:00 on 1 February in UTC.
		{"west of UTC, late evening", []time.Time{time.Date(2026, 1, 31, 22, 0, 0, 0, west)}, "2026-02", []int{1, 0}},
		{"two orders in one month count once", []time.Time{time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}, "2026-01", []int{1, 0, 1}},
		{"last instant of a month", []time.Time{time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, "2025-12", []int{1, 1, 0, 0}},
	}
	now := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var in kpi.Input
			for _, at := range tc.orders {
				in.Orders = append(in.Orders, order(at))
			}
			r := analytics.Analyze([]*analytics.Facts{analytics.FactsOf(in)}, analytics.Options{Now: now})
			if len(r.Cohorts) != 1 || r.Cohorts[0].Month.String() != tc.cohort || !slices.Equal(r.Cohorts[0].Active, tc.active) {
				t.Fatalf("cohorts %+v, want %s with %v", r.Cohorts, tc.cohort, tc.active)
			}
		})
	}
}

// A stored event applied to the projection shows in the next snapshot's
// figures, once however often it is delivered, and a build that began
// before it arrived keeps it.
func TestProjectionAppliesLiveEventsOnce(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	p := analytics.NewProjection()
	p.Begin()
	p.Replace(map[string]*analytics.Facts{"c1": analytics.FactsOf(kpi.Input{}), "c2": analytics.FactsOf(kpi.Input{})}, now, nil)
	before := analytics.Analyze(p.Snapshot(nil, true).Facts, analytics.Options{Now: now})
	if before.EngagementSum != 0 || len(before.ChannelMix) != 0 {
		t.Fatalf("empty projection: %+v", before)
	}
	ev := analytics.Event{ID: "ev1", ReceivedAt: now, Interaction: kpi.Interaction{Source: "helpdesk", Interaction: connectors.Interaction{
		ID: "ev1", Channel: "whatsapp", Type: "message", Direction: "inbound", OccurredAt: now.Add(-time.Hour), Attributes: map[string]string{"nps": "10"},
	}}}
	if !p.Apply("c1", ev) {
		t.Fatal("the event was not applied")
	}
	if p.Apply("c1", ev) {
		t.Fatal("the event was applied twice")
	}
	// A build that began before a second event: its result keeps it.
	p.Begin()
	ev2 := ev
	ev2.ID, ev2.Interaction.ID = "ev2", "ev2"
	p.Apply("c2", ev2)
	p.Replace(map[string]*analytics.Facts{"c1": analytics.FactsOf(kpi.Input{}), "c2": analytics.FactsOf(kpi.Input{})}, now, nil)
	s := p.Snapshot([]string{"c1", "c2", "gone"}, false)
	r := analytics.Analyze(s.Facts, analytics.Options{Now: now})
	if s.Missing != 1 || s.Live != 1 || r.Events != 1 || len(r.ChannelMix) != 1 || r.ChannelMix[0].Contacts != 1 || r.NPS.Promoters != 1 {
		t.Fatalf("after the build: missing %d, live %d, events %d, mix %v, nps %+v", s.Missing, s.Live, r.Events, r.ChannelMix, r.NPS)
	}
	if !strings.EqualFold(r.ChannelMix[0].Channel, "whatsapp") || !r.LastEventAt.Equal(now) {
		t.Errorf("mix %v, last event %v", r.ChannelMix, r.LastEventAt)
	}
}

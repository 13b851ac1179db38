package kpi

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// now is the computation time of every fixture.
var now = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

const day = 24 * time.Hour

func eur(minor int64) connectors.Money { return connectors.Money{Minor: minor, Currency: "EUR"} }

func order(src, id, status string, at time.Time, total connectors.Money) Order {
	return Order{Source: src, Order: connectors.Order{ID: id, Status: status, PlacedAt: at, Total: total}}
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestOrdersSpendAndLifetimeValue(t *testing.T) {
	tests := []struct {
		name     string
		orders   []Order
		count    int
		spent    []connectors.Money
		lifetime []LifetimeValue
	}{
		{
			name: "refunds excluded, currencies apart",
			orders: []Order{
				order("shop", "#1", "paid", date("2026-01-15T10:00:00Z"), eur(1000)),
				order("shop", "#2", "Refunded", date("2026-02-10T10:00:00Z"), eur(5000)),
				order("pos", "S1", "completed", date("2026-01-20T10:00:00Z"), eur(2550)),
				order("pos", "S2", "partially_refunded", date("2026-03-05T10:00:00Z"), eur(499)),
				order("shop", "#3", "paid", date("2026-03-01T10:00:00Z"), connectors.Money{Minor: 300, Currency: "GBP"}),
			},
			// Five orders, the refunded one included.
			count: 5,
			// EUR: 10.00 + 25.50 + 4.99 = 40.49 (the refunded 50.00 is not
			// spent; the partial refund counts in full). GBP: 3.00.
			spent: []connectors.Money{eur(4049), {Minor: 300, Currency: "GBP"}},
			lifetime: []LifetimeValue{
				// 4049 / 3 = 1349.67 -> 13.50; months: January and March
				// (February's order was refunded) = 2.
				{NetSpend: eur(4049), Orders: 3, Average: eur(1350), First: date("2026-01-15T10:00:00Z"), Last: date("2026-03-05T10:00:00Z"), ActiveMonths: 2},
				{NetSpend: connectors.Money{Minor: 300, Currency: "GBP"}, Orders: 1, Average: connectors.Money{Minor: 300, Currency: "GBP"},
					First: date("2026-03-01T10:00:00Z"), Last: date("2026-03-01T10:00:00Z"), ActiveMonths: 1},
			},
		},
		{
			name: "average rounds halves away from zero",
			orders: []Order{
				order("shop", "#1", "paid", date("2026-05-31T23:59:59Z"), eur(1)),
				order("shop", "#2", "paid", date("2026-06-01T00:00:00Z"), eur(2)),
			},
			count: 2,
			spent: []connectors.Money{eur(3)},
			// 3 / 2 = 1.5 -> 2; May and June (UTC) = 2 months.
			lifetime: []LifetimeValue{{NetSpend: eur(3), Orders: 2, Average: eur(2), First: date("2026-05-31T23:59:59Z"), Last: date("2026-06-01T00:00:00Z"), ActiveMonths: 2}},
		},
		{
			name:   "only a refund",
			orders: []Order{order("shop", "#1", "refunded", date("2026-05-01T00:00:00Z"), eur(999))},
			count:  1,
		},
		{name: "no order"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Calculate(Input{Orders: tc.orders}, Options{Now: now})
			if m.OrderCount != tc.count {
				t.Errorf("OrderCount = %d, want %d", m.OrderCount, tc.count)
			}
			if !reflect.DeepEqual(m.TotalSpent, tc.spent) {
				t.Errorf("TotalSpent = %+v, want %+v", m.TotalSpent, tc.spent)
			}
			if !reflect.DeepEqual(m.Lifetime, tc.lifetime) {
				t.Errorf("Lifetime = %+v, want %+v", m.Lifetime, tc.lifetime)
			}
		})
	}
}

func conv(src, id, typ, channel string, at time.Time, firstResponse, resolved time.Duration) Interaction {
	it := Interaction{Source: src, Interaction: connectors.Interaction{ID: id, Type: typ, Channel: channel, Direction: connectors.DirectionInbound, OccurredAt: at}}
	if firstResponse != 0 {
		it.FirstResponseAt = at.Add(firstResponse)
	}
	if resolved != 0 {
		it.ResolvedAt = at.Add(resolved)
	}
	return it
}

func TestResponseAndResolutionTimes(t *testing.T) {
	t0 := date("2026-09-01T09:00:00Z")
	tests := []struct {
		name                     string
		its                      []Interaction
		firstResponse, resolved  Durations
		meanResponse, meanSolved time.Duration // 0: none
	}{
		{
			name: "conversations and tickets only",
			its: []Interaction{
				conv("helpdesk", "a", connectors.TypeConversation, "chat", t0, 120*time.Second, time.Hour),
				conv("helpdesk", "b", connectors.TypeConversation, "whatsapp", t0.Add(time.Hour), 300*time.Second, 2*time.Hour),
				conv("helpdesk", "c", connectors.TypeTicket, "email", t0.Add(2*time.Hour), 0, 0),                         // open, unanswered
				conv("helpdesk", "d", connectors.TypeTicket, "email", t0.Add(3*time.Hour), -time.Minute, 30*time.Minute), // answer before start: bad data
				conv("calls", "e", connectors.TypeCall, "phone", t0.Add(4*time.Hour), 10*time.Second, time.Minute),       // calls have neither
			},
			// First response: a and b answered: (120 + 300) / 2 = 210 s.
			firstResponse: Durations{N: 2, Total: 420 * time.Second},
			meanResponse:  210 * time.Second,
			// Resolution: a, b and d: (3600 + 7200 + 1800) / 3 = 4200 s.
			resolved:   Durations{N: 3, Total: 12600 * time.Second},
			meanSolved: 4200 * time.Second,
		},
		{
			name: "nothing answered",
			its:  []Interaction{conv("helpdesk", "a", connectors.TypeConversation, "chat", t0, 0, 0)},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Calculate(Input{Interactions: tc.its}, Options{Now: now})
			if m.FirstResponse != tc.firstResponse || m.Resolution != tc.resolved {
				t.Errorf("first response %+v, resolution %+v; want %+v, %+v", m.FirstResponse, m.Resolution, tc.firstResponse, tc.resolved)
			}
			if d, ok := m.FirstResponse.Mean(); ok != (tc.meanResponse != 0) || d != tc.meanResponse {
				t.Errorf("mean first response = %v (%v), want %v", d, ok, tc.meanResponse)
			}
			if d, ok := m.Resolution.Mean(); ok != (tc.meanSolved != 0) || d != tc.meanSolved {
				t.Errorf("mean resolution = %v (%v), want %v", d, ok, tc.meanSolved)
			}
		})
	}
}

func rated(src, id string, at, resolved time.Time, attr, value string) Interaction {
	return Interaction{Source: src, Interaction: connectors.Interaction{ID: id, Type: connectors.TypeConversation, OccurredAt: at, ResolvedAt: resolved,
		Attributes: map[string]string{attr: value}}}
}

func TestScoresLatestAndTrend(t *testing.T) {
	var zero time.Time
	tests := []struct {
		name             string
		attr             string
		its              []Interaction
		csat             bool
		values           []int // every answer, newest first
		recent, previous Tally
		trend            float64
		hasTrend         bool
		total            Tally
		latestID         string
		latestAt         time.Time
	}{
		{
			name: "csat dated at resolution",
			attr: AttrCSAT,
			its: []Interaction{
				rated("helpdesk", "c1", now.Add(-11*day), now.Add(-10*day), AttrCSAT, "5"),
				rated("helpdesk", "c2", now.Add(-41*day), now.Add(-40*day), AttrCSAT, "3"),
				rated("helpdesk", "c3", now.Add(-101*day), now.Add(-100*day), AttrCSAT, "2"),
				rated("helpdesk", "c4", now.Add(-201*day), now.Add(-200*day), AttrCSAT, "4"),
				rated("helpdesk", "c5", now.Add(-5*day), now.Add(-4*day), AttrCSAT, "7"),    // out of 1..5: ignored
				rated("helpdesk", "c6", now.Add(-5*day), now.Add(-3*day), AttrCSAT, "good"), // not a number: ignored
				rated("helpdesk", "c7", now.Add(-120*day), zero, AttrCSAT, " 4 "),           // unresolved: dated at its start
				rated("helpdesk", "c8", now.Add(-1*day), zero, AttrNPS, "10"),               // another question
			},
			// Newest first: c1 (-10d) 5, c2 (-40d) 3, c3 (-100d) 2, c7 (-120d) 4, c4 (-200d) 4.
			values: []int{5, 3, 2, 4, 4},
			// Last 90 days: c1, c2 -> (5 + 3) / 2 = 4. The 90 before: c3, c7
			// -> (2 + 4) / 2 = 3. c4 is older than 180 days. Trend 4 - 3 = +1.
			recent: Tally{N: 2, Sum: 8}, previous: Tally{N: 2, Sum: 6}, trend: 1, hasTrend: true,
			// All: (5 + 3 + 2 + 4 + 4) / 5 = 3.6.
			total:    Tally{N: 5, Sum: 18},
			latestID: "c1", latestAt: now.Add(-10 * day),
		},
		{
			name: "nps period bounds",
			attr: AttrNPS,
			its: []Interaction{
				rated("mailing", "n1", now, zero, AttrNPS, "9"),                // age 0: last 90 days
				rated("mailing", "n2", now.Add(-90*day), zero, AttrNPS, "6"),   // age exactly 90 d: the period before
				rated("mailing", "n3", now.Add(-180*day), zero, AttrNPS, "10"), // age exactly 180 d: neither
				rated("mailing", "n4", now.Add(time.Hour), zero, AttrNPS, "0"), // after now: in no period
				rated("mailing", "n5", now.Add(-2*day), zero, AttrNPS, "11"),   // out of 0..10: ignored
			},
			values: []int{0, 9, 6, 10},
			// 9 - 6 = +3.
			recent: Tally{N: 1, Sum: 9}, previous: Tally{N: 1, Sum: 6}, trend: 3, hasTrend: true,
			total:    Tally{N: 4, Sum: 25},
			latestID: "n4", latestAt: now.Add(time.Hour),
		},
		{
			name:   "no earlier period, no trend",
			attr:   AttrNPS,
			its:    []Interaction{rated("mailing", "n1", now.Add(-3*day), zero, AttrNPS, "8")},
			values: []int{8}, recent: Tally{N: 1, Sum: 8}, total: Tally{N: 1, Sum: 8},
			latestID: "n1", latestAt: now.Add(-3 * day),
		},
		{name: "no answer", attr: AttrCSAT},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Calculate(Input{Interactions: tc.its}, Options{Now: now})
			s := m.NPS
			if tc.attr == AttrCSAT {
				s = m.CSAT
			}
			var values []int
			for _, sc := range s.All {
				values = append(values, sc.Value)
			}
			if !reflect.DeepEqual(values, tc.values) {
				t.Errorf("scores = %v, want %v", values, tc.values)
			}
			if s.Recent != tc.recent || s.Previous != tc.previous {
				t.Errorf("recent %+v, previous %+v; want %+v, %+v", s.Recent, s.Previous, tc.recent, tc.previous)
			}
			if d, ok := s.Trend(); ok != tc.hasTrend || d != tc.trend {
				t.Errorf("trend = %v (%v), want %v (%v)", d, ok, tc.trend, tc.hasTrend)
			}
			if got := s.Total(); got != tc.total {
				t.Errorf("total = %+v, want %+v", got, tc.total)
			}
			l := s.Latest()
			if (l == nil) != (tc.latestID == "") || (l != nil && (l.InteractionID != tc.latestID || !l.At.Equal(tc.latestAt))) {
				t.Errorf("latest = %+v, want %s at %v", l, tc.latestID, tc.latestAt)
			}
		})
	}
}

func email(id, typ, campaign string, at time.Time) Interaction {
	it := Interaction{Source: "mailing", Interaction: connectors.Interaction{ID: id, Type: typ, Channel: "email", OccurredAt: at, Summary: "title " + campaign}}
	if campaign != "" {
		it.Attributes = map[string]string{AttrCampaign: campaign}
	}
	return it
}

func TestConversion(t *testing.T) {
	spring := date("2026-03-01T10:00:00Z")
	summer := date("2026-06-01T09:00:00Z")
	autumn := date("2026-09-01T09:00:00Z")
	touches := []Interaction{
		email("e1", connectors.TypeEmailOpened, "spring", spring),
		email("e2", connectors.TypeEmailClicked, "spring", spring.Add(time.Hour)), // a later touch of the same campaign
		email("e3", connectors.TypeEmailOpened, "summer", summer),
		email("e4", connectors.TypeEmailClicked, "autumn", autumn),
		email("e5", connectors.TypeEmailSent, "winter", autumn.Add(day)), // only sent: no touch
		email("e6", connectors.TypeEmailOpened, "", autumn.Add(2*day)),   // no campaign: no touch
		email("e7", "survey_response", "nps-q3", autumn.Add(3*day)),      // a survey answer: no touch
	}
	orders := []Order{
		order("shop", "#1", "paid", spring.Add(4*day), eur(1000)),    // 4 days after spring's first touch
		order("pos", "S1", "refunded", summer.Add(8*day), eur(2000)), // 8 days after summer's
		order("shop", "#2", "paid", autumn.Add(-6*day), eur(500)),    // before autumn's
	}
	tests := []struct {
		name      string
		window    time.Duration
		orders    []Order
		converted map[string]string // campaign -> converting order; "" not converted
		rate      float64
	}{
		// spring: #1 4 d later; summer: S1 8 d later is too late; autumn: no
		// order after it. 1 of 3 = 0.333.
		{"default window of 7 days", 0, orders, map[string]string{"spring": "#1", "summer": "", "autumn": ""}, 1.0 / 3},
		// summer now converts by S1 (a refunded order still converts). 2 of 3.
		{"window of 10 days", 10 * day, orders, map[string]string{"spring": "#1", "summer": "S1", "autumn": ""}, 2.0 / 3},
		// An order exactly 7 days after the touch is inside the window.
		{"window end inclusive", 0, []Order{order("shop", "#9", "paid", autumn.Add(7*day), eur(1))},
			map[string]string{"spring": "", "summer": "", "autumn": "#9"}, 1.0 / 3},
		{"a second later is out", 0, []Order{order("shop", "#9", "paid", autumn.Add(7*day+time.Second), eur(1))},
			map[string]string{"spring": "", "summer": "", "autumn": ""}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Calculate(Input{Orders: tc.orders, Interactions: touches}, Options{Now: now, ConversionWindow: tc.window})
			c := m.Conversion
			got := map[string]string{}
			converted := 0
			for _, touch := range c.Touches {
				got[touch.Campaign] = ""
				if touch.Order != nil {
					got[touch.Campaign] = touch.Order.ID
					converted++
				}
			}
			if !reflect.DeepEqual(got, tc.converted) || c.Converted != converted {
				t.Errorf("conversions = %v (%d), want %v", got, c.Converted, tc.converted)
			}
			if r, ok := c.Rate(); !ok || math.Abs(r-tc.rate) > 1e-12 {
				t.Errorf("rate = %v, want %v", r, tc.rate)
			}
			// Newest touch first; spring's touch is its first, the open.
			if len(c.Touches) != 3 || c.Touches[0].Campaign != "autumn" || c.Touches[2].Campaign != "spring" || !c.Touches[2].TouchedAt.Equal(spring) {
				t.Errorf("touches = %+v", c.Touches)
			}
		})
	}
	if c := Calculate(Input{Orders: orders}, Options{Now: now}).Conversion; len(c.Touches) != 0 {
		t.Errorf("touches without e-mails: %+v", c.Touches)
	} else if _, ok := c.Rate(); ok {
		t.Error("a rate without touches")
	}
}

func call(id, direction string, at time.Time) Interaction {
	return Interaction{Source: "calls", Interaction: connectors.Interaction{ID: id, Type: connectors.TypeCall, Channel: "phone", Direction: direction, OccurredAt: at}}
}

func TestPreferredChannelAndLastContact(t *testing.T) {
	inbound := func(id, channel string, at time.Time) Interaction {
		return conv("helpdesk", id, connectors.TypeConversation, channel, at, 0, 0)
	}
	tests := []struct {
		name      string
		its       []Interaction
		mix       []ChannelContacts
		preferred string
		last      string
	}{
		{
			name: "tie broken by recency",
			its: []Interaction{
				inbound("c1", "chat", now.Add(-10*day)),
				inbound("c2", "chat", now.Add(-20*day)),
				inbound("w1", "whatsapp", now.Add(-5*day)),
				inbound("w2", "whatsapp", now.Add(-300*day)),
				call("p1", connectors.DirectionInbound, now.Add(-1*day)),
				call("p2", connectors.DirectionOutbound, now.Add(-2*day)), // the company called
				call("p3", connectors.DirectionOutbound, now.Add(-3*day)),
				call("p4", connectors.DirectionOutbound, now.Add(-4*day)),
				email("e1", connectors.TypeEmailOpened, "spring", now.Add(-6*day)), // a reaction, not initiated
				email("e2", connectors.TypeEmailSent, "spring", now.Add(-day/2)),   // newest, but no contact
				inbound("c3", "chat", now.Add(-400*day)),                           // before the 365-day period
			},
			// chat 2 (newest -10 d) and whatsapp 2 (newest -5 d) tie;
			// whatsapp's is more recent. Then phone 1.
			mix: []ChannelContacts{
				{Channel: "whatsapp", Contacts: 2, Last: now.Add(-5 * day)},
				{Channel: "chat", Contacts: 2, Last: now.Add(-10 * day)},
				{Channel: "phone", Contacts: 1, Last: now.Add(-1 * day)},
			},
			preferred: "whatsapp",
			// The newest contact: the inbound call a day ago (the e-mail
			// merely sent half a day ago is no contact).
			last: "p1",
		},
		{
			name:      "only the company reached out",
			its:       []Interaction{call("p2", connectors.DirectionOutbound, now.Add(-2*day))},
			preferred: "",
			last:      "p2",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := Calculate(Input{Interactions: tc.its}, Options{Now: now})
			if !reflect.DeepEqual(m.ChannelMix, tc.mix) {
				t.Errorf("mix = %+v, want %+v", m.ChannelMix, tc.mix)
			}
			if got := m.PreferredChannel(); got != tc.preferred {
				t.Errorf("preferred = %q, want %q", got, tc.preferred)
			}
			if m.LastContact == nil || m.LastContact.ID != tc.last {
				t.Errorf("last contact = %+v, want %s", m.LastContact, tc.last)
			}
		})
	}
	if got := Share(ChannelContacts{Contacts: 2}, tests[0].mix); got != 0.4 { // 2 of 5
		t.Errorf("share = %v, want 0.4", got)
	}
	// Without a clock there is no period, so no mix.
	if m := Compute(nil, []connectors.Interaction{tests[0].its[0].Interaction}); m.ChannelMix != nil || m.LastContact == nil {
		t.Errorf("Compute = %+v", m)
	}
}

func TestAggregate(t *testing.T) {
	d1, d2 := now.Add(-30*day), now.Add(-3*day)
	scores := func(vs ...int) Scores {
		var s Scores
		for i, v := range vs { // newest first
			s.All = append(s.All, Score{Value: v, At: now.Add(-time.Duration(i) * day)})
		}
		return s
	}
	touches := func(n, converted int) Conversion {
		c := Conversion{Touches: make([]CampaignTouch, n), Converted: converted}
		return c
	}
	ms := []Metrics{
		{
			OrderCount: 2, TotalSpent: []connectors.Money{eur(3000)},
			FirstResponse: Durations{N: 2, Total: 420 * time.Second}, Resolution: Durations{N: 1, Total: time.Hour},
			CSAT: scores(5, 3), NPS: scores(9, 4), Conversion: touches(3, 1),
			ChannelMix: []ChannelContacts{{Channel: "chat", Contacts: 2, Last: d1}, {Channel: "phone", Contacts: 1, Last: d1}},
		},
		{
			OrderCount: 1, TotalSpent: []connectors.Money{eur(1001), {Minor: 500, Currency: "GBP"}},
			FirstResponse: Durations{N: 1, Total: 60 * time.Second},
			CSAT:          scores(2), NPS: scores(7), Conversion: touches(1, 1),
			ChannelMix: []ChannelContacts{{Channel: "whatsapp", Contacts: 3, Last: d1.Add(-day)}, {Channel: "chat", Contacts: 1, Last: d2}},
		},
		{}, // a member with no data at all
	}
	s := Aggregate(ms)
	want := Segment{
		Customers: 3, Buyers: 2, OrderCount: 3,
		TotalSpent: []Money{
			{Currency: "EUR", Total: 4001, Mean: 1334}, // 4001 / 3 = 1333.67 -> 1334
			{Currency: "GBP", Total: 500, Mean: 167},   // 500 / 3 = 166.67 -> 167
		},
		FirstResponse: Durations{N: 3, Total: 480 * time.Second}, // mean 160 s
		Resolution:    Durations{N: 1, Total: time.Hour},
		CSAT:          Tally{N: 3, Sum: 10}, Satisfied: 1, // 5, 3, 2: one of 4 or more
		// Latest answers only: 9 (promoter) and 7 (passive); the older 4
		// does not count.
		NPS: Tally{N: 2, Sum: 16}, Promoters: 1, Passives: 1, Detractors: 0,
		Touched: 4, Converted: 2,
		// chat 2 + 1 = 3 (newest d2), whatsapp 3 (newest d1 - 1 d): chat
		// first by recency; phone 1.
		ChannelMix: []ChannelContacts{{Channel: "chat", Contacts: 3, Last: d2}, {Channel: "whatsapp", Contacts: 3, Last: d1.Add(-day)}, {Channel: "phone", Contacts: 1, Last: d1}},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Aggregate =\n%+v\nwant\n%+v", s, want)
	}
	if d, _ := s.FirstResponse.Mean(); d != 160*time.Second {
		t.Errorf("mean first response = %v, want 160s", d)
	}
	if v, _ := s.NetPromoterScore(); v != 50 { // 100 × (1 − 0) / 2
		t.Errorf("NPS = %v, want 50", v)
	}
	if v, _ := s.NPS.Mean(); v != 8 { // (9 + 7) / 2
		t.Errorf("mean NPS answer = %v, want 8", v)
	}
	if v, _ := s.SatisfiedShare(); math.Abs(v-1.0/3) > 1e-12 {
		t.Errorf("satisfied share = %v, want 1/3", v)
	}
	if v, _ := s.ConversionRate(); v != 0.5 { // 2 / 4
		t.Errorf("conversion rate = %v, want 0.5", v)
	}
	empty := Aggregate(nil)
	if _, ok := empty.NetPromoterScore(); ok || empty.TotalSpent != nil || empty.Customers != 0 {
		t.Errorf("empty = %+v", empty)
	}
}

func TestCategory(t *testing.T) {
	for score, want := range map[int]string{0: Detractor, 6: Detractor, 7: Passive, 8: Passive, 9: Promoter, 10: Promoter} {
		if got := Category(score); got != want {
			t.Errorf("Category(%d) = %s, want %s", score, got, want)
		}
	}
}

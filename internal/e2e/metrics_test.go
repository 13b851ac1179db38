package e2e

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/mailing"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// The metrics of one demo customer, checked against figures this test
// works out itself from what the systems hold: the shop's and the points of
// sale's orders and the call center's calls as the population generated
// them, the helpdesk's conversations and the e-mail system's activity as
// their APIs serve them (raw JSON, not through a connector). Nothing here
// calls internal/kpi.

const metricsQuery = `
query Metrics($key: String!, $days: Int) {
  customerByIdentifier(kind: EXTERNAL_ID, system: "crm", value: $key) {
    identities { kind system value }
    metrics(conversionWindowDays: $days) {
      orderCount
      totalSpent { amount currency }
      lifetimeValue { currency netSpend { amount currency } orders averageOrderValue { amount currency } firstOrderAt lastOrderAt activeMonths }
      lastContactChannel lastContactAt
      preferredChannel
      channelMix { channel contacts share lastContactAt }
      averageFirstResponseSeconds answeredConversations
      averageResolutionSeconds resolvedConversations
      csat { ...scores }
      nps { ...scores }
      conversion {
        windowDays touchedCampaigns convertedCampaigns rate
        campaigns { campaignId source touchedAt converted order { id source placedAt } }
      }
      computedAt ordersComplete interactionsComplete complete
    }
  }
}
fragment scores on ScoreSummary {
  latest { score at source interactionId }
  scores { score at source interactionId }
  count mean last90DaysMean previous90DaysMean trend
}`

type money struct{ Amount, Currency string }

type datedScore struct {
	Score         int    `json:"score"`
	At            string `json:"at"`
	Source        string `json:"source"`
	InteractionID string `json:"interactionId"`
}

type scoreSummary struct {
	Latest             *datedScore  `json:"latest"`
	Scores             []datedScore `json:"scores"`
	Count              int          `json:"count"`
	Mean               *float64     `json:"mean"`
	Last90DaysMean     *float64     `json:"last90DaysMean"`
	Previous90DaysMean *float64     `json:"previous90DaysMean"`
	Trend              *float64     `json:"trend"`
}

type channelContacts struct {
	Channel       string  `json:"channel"`
	Contacts      int     `json:"contacts"`
	Share         float64 `json:"share"`
	LastContactAt string  `json:"lastContactAt"`
}

type metricsView struct {
	OrderCount    int     `json:"orderCount"`
	TotalSpent    []money `json:"totalSpent"`
	LifetimeValue []struct {
		Currency          string `json:"currency"`
		NetSpend          money  `json:"netSpend"`
		Orders            int    `json:"orders"`
		AverageOrderValue money  `json:"averageOrderValue"`
		FirstOrderAt      string `json:"firstOrderAt"`
		LastOrderAt       string `json:"lastOrderAt"`
		ActiveMonths      int    `json:"activeMonths"`
	} `json:"lifetimeValue"`
	LastContactChannel          *string           `json:"lastContactChannel"`
	LastContactAt               *string           `json:"lastContactAt"`
	PreferredChannel            *string           `json:"preferredChannel"`
	ChannelMix                  []channelContacts `json:"channelMix"`
	AverageFirstResponseSeconds *float64          `json:"averageFirstResponseSeconds"`
	AnsweredConversations       int               `json:"answeredConversations"`
	AverageResolutionSeconds    *float64          `json:"averageResolutionSeconds"`
	ResolvedConversations       int               `json:"resolvedConversations"`
	CSAT                        scoreSummary      `json:"csat"`
	NPS                         scoreSummary      `json:"nps"`
	Conversion                  struct {
		WindowDays         int      `json:"windowDays"`
		TouchedCampaigns   int      `json:"touchedCampaigns"`
		ConvertedCampaigns int      `json:"convertedCampaigns"`
		Rate               *float64 `json:"rate"`
		Campaigns          []struct {
			CampaignID string `json:"campaignId"`
			Source     string `json:"source"`
			TouchedAt  string `json:"touchedAt"`
			Converted  bool   `json:"converted"`
			Order      *struct {
				ID       string `json:"id"`
				Source   string `json:"source"`
				PlacedAt string `json:"placedAt"`
			} `json:"order"`
		} `json:"campaigns"`
	} `json:"conversion"`
	ComputedAt           string `json:"computedAt"`
	OrdersComplete       bool   `json:"ordersComplete"`
	InteractionsComplete bool   `json:"interactionsComplete"`
	Complete             bool   `json:"complete"`
}

// helpdeskConversation is a conversation as the helpdesk's API writes it.
type helpdeskConversation struct {
	ID              string  `json:"id"`
	Channel         string  `json:"channel"`
	Direction       string  `json:"direction"`
	CreatedAt       string  `json:"created_at"`
	FirstResponseAt *string `json:"first_response_at"`
	SolvedAt        *string `json:"solved_at"`
	Satisfaction    *struct {
		Rating int `json:"rating"`
	} `json:"satisfaction"`
}

// mailingActivity is an e-mail event as the e-mail system's API writes it.
type mailingActivity struct {
	ID          string `json:"id"`
	Action      string `json:"action"`
	Timestamp   string `json:"timestamp"`
	CampaignID  string `json:"campaign_id"`
	SurveyScore *int   `json:"survey_score"`
}

// simulatorGet reads a simulator's API as an integrator's script would.
func simulatorGet(t *testing.T, rawURL, user, password string, out any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", req.URL.Path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return at.UTC()
}

// metricsPerson is a person every system knows, with orders in the shop and
// the stores, rated conversations, survey answers, campaign e-mails opened
// and calls they made, and, if there is one, a campaign followed by an
// order within 30 days. It is the last such person, so the tests that act
// on the first ones (messages, erasure) leave them alone.
func metricsPerson(t *testing.T, pop *population.Population) population.Person {
	t.Helper()
	var fallback *population.Person
	all := pop.InAll()
	for i := len(all) - 1; i >= 0; i-- {
		p := &all[i]
		rated := slices.ContainsFunc(p.Conversations, func(c population.Conversation) bool { return c.Satisfaction != "" })
		inbound := slices.ContainsFunc(p.Calls, func(c population.Call) bool { return c.Direction == "inbound" })
		touched := slices.ContainsFunc(p.EmailEvents, func(e population.EmailEvent) bool { return e.Action != "sent" })
		if len(p.Orders) == 0 || len(p.Sales) == 0 || !rated || !inbound || !touched || len(mailing.SurveyAnswers(p)) < 2 {
			continue
		}
		if fallback == nil {
			fallback = p
		}
		for _, e := range p.EmailEvents {
			if e.Action == "sent" {
				continue
			}
			for _, o := range p.Orders {
				if d := o.CreatedAt.Sub(e.Timestamp); d >= 0 && d <= 30*24*time.Hour {
					return *p
				}
			}
		}
	}
	if fallback == nil {
		t.Fatal("the population has nobody with orders, ratings, survey answers, campaign opens and calls")
	}
	return *fallback
}

func TestMetricsOfOneCustomerMatchTheSystemsData(t *testing.T) {
	e := boot(t)
	p := metricsPerson(t, e.demo.Simulators.Population())
	vars := e.demo.Simulators.Vars()

	var hd struct {
		Conversations []helpdeskConversation `json:"conversations"`
	}
	simulatorGet(t, vars["HELPDESK_URL"]+"/api/v2/conversations.json?"+url.Values{"user_ids": {p.Key(population.Helpdesk)}, "per_user": {"1000"}}.Encode(),
		vars["HELPDESK_USER"], vars["HELPDESK_TOKEN"], &hd)
	var ml struct {
		Activity []mailingActivity `json:"activity"`
	}
	simulatorGet(t, vars["MAILING_URL"]+"/3.0/activity?"+url.Values{"member_ids": {p.Key(population.Mailing)}, "count_per_member": {"1000"}}.Encode(),
		"harmony", vars["MAILING_KEY"], &ml)

	more := newerContacts(t, e, p)

	for _, days := range []int{7, 30} {
		t.Run(fmt.Sprintf("conversion window %d days", days), func(t *testing.T) {
			var out struct {
				C *struct {
					Identities []struct {
						Kind   string  `json:"kind"`
						System *string `json:"system"`
						Value  string  `json:"value"`
					} `json:"identities"`
					Metrics metricsView `json:"metrics"`
				} `json:"customerByIdentifier"`
			}
			e.mustQuery(t, metricsQuery, map[string]any{"key": p.Key(population.CRM), "days": days}, &out)
			if out.C == nil {
				t.Fatal("the CRM contact resolves to no customer")
			}
			// The figures are this person's only if the customer is.
			keys := 0
			for _, id := range out.C.Identities {
				if id.Kind == "EXTERNAL_ID" && id.System != nil {
					keys++
					if id.Value != p.Key(*id.System) {
						t.Fatalf("%s key %s is not the person's", *id.System, id.Value)
					}
				}
			}
			if keys != len(population.Systems()) {
				t.Fatalf("%d system keys, want one per system", keys)
			}
			got := out.C.Metrics
			now := mustTime(t, got.ComputedAt)
			checkMetrics(t, got, expectMetrics(t, &p, hd.Conversations, ml.Activity, more, now, days))
		})
	}
}

// wantMetrics are the figures worked out from the systems' data.
type wantMetrics struct {
	orderCount                int
	spentCents, ltvOrders     int64
	averageCents              int64
	firstOrder, lastOrder     time.Time
	activeMonths              int
	lastChannel               string
	lastAt                    time.Time
	mix                       []channelContacts // share and time as the API writes them
	firstResponse, resolution []float64         // seconds
	csat, nps                 []datedScore      // newest first
	touched                   map[string]time.Time
	converted                 map[string]string // campaign -> converting order
}

type plainOrder struct {
	id, source string
	at         time.Time
	cents      int64
	spent      bool
}

// metricContact is a contact as the metrics count it: its channel, when,
// and whether the customer started it.
type metricContact struct {
	channel string
	at      time.Time
	inbound bool
}

// expectMetrics works the figures out from the helpdesk's and the mailing
// system's answers, the person's orders and calls, and the contacts of
// the newer systems (more, see newerContacts).
func expectMetrics(t *testing.T, p *population.Person, convs []helpdeskConversation, activity []mailingActivity, more []metricContact, now time.Time, days int) wantMetrics {
	t.Helper()
	var w wantMetrics

	// Orders: the shop's online orders and the stores' sales. Refunded
	// ones count as orders and not as spend.
	var orders []plainOrder
	for _, o := range p.Orders {
		orders = append(orders, plainOrder{o.Name, "shop", o.CreatedAt.UTC().Truncate(time.Second), o.TotalCents, o.FinancialStatus != "refunded"})
	}
	for _, s := range p.Sales {
		orders = append(orders, plainOrder{s.ID, "pos", s.SoldAt.UTC().Truncate(time.Second), s.TotalCents, s.Status != "refunded"})
	}
	w.orderCount = len(orders)
	months := map[string]bool{}
	for _, o := range orders {
		if !o.spent {
			continue
		}
		w.spentCents += o.cents
		w.ltvOrders++
		months[o.at.Format("2006-01")] = true
		if w.firstOrder.IsZero() || o.at.Before(w.firstOrder) {
			w.firstOrder = o.at
		}
		if o.at.After(w.lastOrder) {
			w.lastOrder = o.at
		}
	}
	if w.ltvOrders > 0 {
		w.averageCents = int64(math.Round(float64(w.spentCents) / float64(w.ltvOrders)))
	}
	w.activeMonths = len(months)

	// Contacts: every conversation, every call, every e-mail event but a
	// send, and every interaction of the newer systems. Customer-initiated:
	// inbound conversations, messages and calls.
	type contact = metricContact
	contacts := append([]contact(nil), more...)
	for _, c := range convs {
		contacts = append(contacts, contact{strings.ToUpper(c.Channel), mustTime(t, c.CreatedAt), c.Direction == "inbound"})
		start := mustTime(t, c.CreatedAt)
		if c.FirstResponseAt != nil {
			w.firstResponse = append(w.firstResponse, mustTime(t, *c.FirstResponseAt).Sub(start).Seconds())
		}
		if c.SolvedAt != nil {
			w.resolution = append(w.resolution, mustTime(t, *c.SolvedAt).Sub(start).Seconds())
			if c.Satisfaction != nil {
				w.csat = append(w.csat, datedScore{c.Satisfaction.Rating, *c.SolvedAt, "helpdesk", c.ID})
			}
		}
	}
	for _, c := range p.Calls {
		contacts = append(contacts, contact{"PHONE", c.StartedAt.UTC().Truncate(time.Second), c.Direction == "inbound"})
	}
	w.touched, w.converted = map[string]time.Time{}, map[string]string{}
	for _, a := range activity {
		at := mustTime(t, a.Timestamp)
		if a.Action != "sent" {
			contacts = append(contacts, contact{"EMAIL", at, false})
		}
		if a.Action == mailing.SurveyAction && a.SurveyScore != nil {
			w.nps = append(w.nps, datedScore{*a.SurveyScore, a.Timestamp, "mailing", a.ID})
		}
		if (a.Action == "open" || a.Action == "click") && a.CampaignID != "" {
			if first, ok := w.touched[a.CampaignID]; !ok || at.Before(first) {
				w.touched[a.CampaignID] = at
			}
		}
	}
	for _, c := range contacts {
		if w.lastAt.IsZero() || c.at.After(w.lastAt) {
			w.lastChannel, w.lastAt = c.channel, c.at
		}
	}

	// Preferred channel: the customer-initiated contacts of the 365 days
	// up to the computation.
	counts, last := map[string]int{}, map[string]time.Time{}
	total := 0
	for _, c := range contacts {
		if age := now.Sub(c.at); !c.inbound || age < 0 || age >= 365*24*time.Hour {
			continue
		}
		counts[c.channel]++
		total++
		if c.at.After(last[c.channel]) {
			last[c.channel] = c.at
		}
	}
	for ch, n := range counts {
		w.mix = append(w.mix, channelContacts{Channel: ch, Contacts: n, Share: float64(n) / float64(total), LastContactAt: last[ch].Format(time.RFC3339)})
	}
	slices.SortFunc(w.mix, func(a, b channelContacts) int {
		return cmp.Or(b.Contacts-a.Contacts, strings.Compare(b.LastContactAt, a.LastContactAt), strings.Compare(a.Channel, b.Channel))
	})

	// Scores, newest first.
	for _, s := range [][]datedScore{w.csat, w.nps} {
		slices.SortFunc(s, func(a, b datedScore) int {
			return cmp.Or(strings.Compare(b.At, a.At), strings.Compare(b.InteractionID, a.InteractionID))
		})
	}

	// Conversion: the first order, of either system and any status, at
	// most `days` days after the campaign's first open or click.
	slices.SortFunc(orders, func(a, b plainOrder) int { return a.at.Compare(b.at) })
	for campaign, at := range w.touched {
		w.converted[campaign] = ""
		for _, o := range orders {
			if !o.at.Before(at) && !o.at.After(at.AddDate(0, 0, days)) {
				w.converted[campaign] = o.id
				break
			}
		}
	}
	return w
}

func mean(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	m := s / float64(len(xs))
	return &m
}

func near(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-6
}

func fmtPtr(f *float64) string {
	if f == nil {
		return "null"
	}
	return fmt.Sprint(*f)
}

func cents(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

func checkMetrics(t *testing.T, got metricsView, w wantMetrics) {
	t.Helper()
	if !got.Complete || !got.OrdersComplete || !got.InteractionsComplete {
		t.Errorf("complete %v, orders %v, interactions %v: every system answered whole", got.Complete, got.OrdersComplete, got.InteractionsComplete)
	}

	// Orders, spend, lifetime value.
	if got.OrderCount != w.orderCount {
		t.Errorf("orderCount = %d, want %d", got.OrderCount, w.orderCount)
	}
	if want := []money{{cents(w.spentCents), "EUR"}}; !slices.Equal(got.TotalSpent, want) {
		t.Errorf("totalSpent = %v, want %v", got.TotalSpent, want)
	}
	if len(got.LifetimeValue) != 1 {
		t.Fatalf("lifetimeValue = %+v, want one currency", got.LifetimeValue)
	}
	lv := got.LifetimeValue[0]
	if lv.Currency != "EUR" || lv.NetSpend != (money{cents(w.spentCents), "EUR"}) || lv.Orders != int(w.ltvOrders) ||
		lv.AverageOrderValue != (money{cents(w.averageCents), "EUR"}) || lv.ActiveMonths != w.activeMonths ||
		!mustTime(t, lv.FirstOrderAt).Equal(w.firstOrder) || !mustTime(t, lv.LastOrderAt).Equal(w.lastOrder) {
		t.Errorf("lifetimeValue = %+v, want %s over %d orders (mean %s), %s to %s, %d months", lv,
			cents(w.spentCents), w.ltvOrders, cents(w.averageCents), w.firstOrder, w.lastOrder, w.activeMonths)
	}

	// Contacts and channels.
	if got.LastContactChannel == nil || *got.LastContactChannel != w.lastChannel || got.LastContactAt == nil || !mustTime(t, *got.LastContactAt).Equal(w.lastAt) {
		t.Errorf("last contact = %v at %v, want %s at %s", got.LastContactChannel, got.LastContactAt, w.lastChannel, w.lastAt)
	}
	if len(got.ChannelMix) != len(w.mix) {
		t.Errorf("channelMix = %+v, want %+v", got.ChannelMix, w.mix)
	} else {
		for i, c := range got.ChannelMix {
			want := w.mix[i]
			if c.Channel != want.Channel || c.Contacts != want.Contacts || math.Abs(c.Share-want.Share) > 1e-9 || !mustTime(t, c.LastContactAt).Equal(mustTime(t, want.LastContactAt)) {
				t.Errorf("channelMix[%d] = %+v, want %+v", i, c, want)
			}
		}
	}
	switch {
	case len(w.mix) == 0 && got.PreferredChannel != nil:
		t.Errorf("preferredChannel = %s, want none", *got.PreferredChannel)
	case len(w.mix) > 0 && (got.PreferredChannel == nil || *got.PreferredChannel != w.mix[0].Channel):
		t.Errorf("preferredChannel = %v, want %s", got.PreferredChannel, w.mix[0].Channel)
	}

	// Response and resolution times.
	if got.AnsweredConversations != len(w.firstResponse) || !near(got.AverageFirstResponseSeconds, mean(w.firstResponse)) {
		t.Errorf("first response = %s s over %d, want %s over %d", fmtPtr(got.AverageFirstResponseSeconds), got.AnsweredConversations, fmtPtr(mean(w.firstResponse)), len(w.firstResponse))
	}
	if got.ResolvedConversations != len(w.resolution) || !near(got.AverageResolutionSeconds, mean(w.resolution)) {
		t.Errorf("resolution = %s s over %d, want %s over %d", fmtPtr(got.AverageResolutionSeconds), got.ResolvedConversations, fmtPtr(mean(w.resolution)), len(w.resolution))
	}

	// CSAT and NPS.
	now := mustTime(t, got.ComputedAt)
	checkScores(t, "csat", got.CSAT, w.csat, now)
	checkScores(t, "nps", got.NPS, w.nps, now)
	if len(w.csat) == 0 || len(w.nps) < 2 {
		t.Errorf("the person has %d ratings and %d survey answers: pick one with more", len(w.csat), len(w.nps))
	}

	// Conversion.
	c := got.Conversion
	converted := 0
	for _, o := range w.converted {
		if o != "" {
			converted++
		}
	}
	if c.TouchedCampaigns != len(w.touched) || c.ConvertedCampaigns != converted || len(c.Campaigns) != len(w.touched) {
		t.Errorf("conversion: %d touched, %d converted; want %d, %d", c.TouchedCampaigns, c.ConvertedCampaigns, len(w.touched), converted)
	}
	if want := float64(converted) / float64(len(w.touched)); len(w.touched) > 0 && (c.Rate == nil || math.Abs(*c.Rate-want) > 1e-9) {
		t.Errorf("conversion rate = %s, want %v", fmtPtr(c.Rate), want)
	}
	for _, camp := range c.Campaigns {
		at, ok := w.touched[camp.CampaignID]
		order := ""
		if camp.Order != nil {
			order = camp.Order.ID
		}
		if !ok || camp.Source != "mailing" || !mustTime(t, camp.TouchedAt).Equal(at) || camp.Converted != (order != "") || order != w.converted[camp.CampaignID] {
			t.Errorf("campaign %s touched %s, converted by %q; want touched %s, converted by %q", camp.CampaignID, camp.TouchedAt, order, at, w.converted[camp.CampaignID])
		}
	}
	preferred := "none"
	if got.PreferredChannel != nil {
		preferred = *got.PreferredChannel
	}
	t.Logf("%d orders, %s EUR, %d campaigns touched, %d converted in %d days, %d ratings, %d NPS answers, preferred %s",
		got.OrderCount, cents(w.spentCents), c.TouchedCampaigns, c.ConvertedCampaigns, c.WindowDays, len(w.csat), len(w.nps), preferred)
}

// checkScores compares a score summary with the answers, newest first.
func checkScores(t *testing.T, name string, got scoreSummary, want []datedScore, now time.Time) {
	t.Helper()
	if len(got.Scores) != len(want) || got.Count != len(want) {
		t.Fatalf("%s: %d scores (count %d), want %d", name, len(got.Scores), got.Count, len(want))
	}
	var all, recent, previous []float64
	for i, s := range got.Scores {
		w := want[i]
		if s.Score != w.Score || !mustTime(t, s.At).Equal(mustTime(t, w.At)) || s.Source != w.Source || s.InteractionID != w.InteractionID {
			t.Errorf("%s[%d] = %+v, want %+v", name, i, s, w)
		}
		v := float64(w.Score)
		all = append(all, v)
		switch age := now.Sub(mustTime(t, w.At)); {
		case age >= 0 && age < 90*24*time.Hour:
			recent = append(recent, v)
		case age >= 90*24*time.Hour && age < 180*24*time.Hour:
			previous = append(previous, v)
		}
	}
	if len(want) > 0 && (got.Latest == nil || *got.Latest != got.Scores[0]) {
		t.Errorf("%s latest = %+v, want the newest", name, got.Latest)
	}
	var trend *float64
	if r, p := mean(recent), mean(previous); r != nil && p != nil {
		d := *r - *p
		trend = &d
	}
	if !near(got.Mean, mean(all)) || !near(got.Last90DaysMean, mean(recent)) || !near(got.Previous90DaysMean, mean(previous)) || !near(got.Trend, trend) {
		t.Errorf("%s: mean %s, last 90 d %s, previous %s, trend %s; want %s, %s, %s, %s", name,
			fmtPtr(got.Mean), fmtPtr(got.Last90DaysMean), fmtPtr(got.Previous90DaysMean), fmtPtr(got.Trend),
			fmtPtr(mean(all)), fmtPtr(mean(recent)), fmtPtr(mean(previous)), fmtPtr(trend))
	}
}

const segmentMetricsQuery = `
query SegmentMetrics($id: ID!, $max: Int) {
  segment(id: $id) {
    count
    metrics(maxMembers: $max) {
      members customers capped buyers orderCount
      totalSpent { amount currency } meanSpent { amount currency }
      averageFirstResponseSeconds averageResolutionSeconds
      csat { ratings mean satisfiedShare }
      nps { respondents promoters passives detractors mean score }
      conversion { windowDays touchedCampaigns convertedCampaigns rate }
      channelMix { channel contacts share }
      computedAt complete
    }
  }
}`

type segmentMetricsView struct {
	Members, Customers, Buyers, OrderCount int
	Capped, Complete                       bool
	TotalSpent, MeanSpent                  []money
	AverageFirstResponseSeconds            *float64
	AverageResolutionSeconds               *float64
	CSAT                                   struct {
		Ratings        int
		Mean           *float64
		SatisfiedShare *float64
	} `json:"csat"`
	NPS struct {
		Respondents, Promoters, Passives, Detractors int
		Mean, Score                                  *float64
	} `json:"nps"`
	Conversion struct {
		WindowDays, TouchedCampaigns, ConvertedCampaigns int
		Rate                                             *float64
	}
	ChannelMix []channelContacts
}

// A segment's metrics read its members' orders and interactions with one
// upstream call per system and capability, not one per member, and agree
// with the members' own metrics; capped, they say so.
func TestMetricsOfASegmentCostOneCallPerSystemAndAgreeWithItsMembers(t *testing.T) {
	e := boot(t)
	var saved struct {
		SaveSegment struct {
			ID    string `json:"id"`
			Count int    `json:"count"`
		} `json:"saveSegment"`
	}
	e.mustQuery(t, `mutation ($filter: CustomerFilter!) { saveSegment(name: "metrics: shop buyers", filter: $filter) { id count } }`,
		map[string]any{"filter": map[string]any{"inSystems": []string{"shop"}, "minOrders": 1}}, &saved)
	seg := saved.SaveSegment
	t.Cleanup(func() { _, _ = e.gw.Store.DeleteSegment(context.Background(), seg.ID) })
	const n = 40
	if seg.Count <= n {
		t.Fatalf("the segment has %d members, want more than %d", seg.Count, n)
	}

	// The members' own metrics, first by ID like the segment's sample.
	var list struct {
		Customers struct {
			Edges []struct {
				Node struct {
					ID      string `json:"id"`
					Metrics struct {
						OrderCount                  int      `json:"orderCount"`
						TotalSpent                  []money  `json:"totalSpent"`
						AverageFirstResponseSeconds *float64 `json:"averageFirstResponseSeconds"`
						AnsweredConversations       int      `json:"answeredConversations"`
						CSAT                        struct {
							Scores []struct{ Score int } `json:"scores"`
						} `json:"csat"`
						NPS struct {
							Latest *struct{ Score int } `json:"latest"`
						} `json:"nps"`
						Conversion struct {
							TouchedCampaigns   int `json:"touchedCampaigns"`
							ConvertedCampaigns int `json:"convertedCampaigns"`
						} `json:"conversion"`
						ChannelMix []channelContacts `json:"channelMix"`
					} `json:"metrics"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"customers"`
	}
	e.mustQuery(t, `query ($seg: ID!, $n: Int!) { customers(segment: $seg, first: $n) { edges { node { id metrics {
	  orderCount totalSpent { amount currency } averageFirstResponseSeconds answeredConversations
	  csat { scores { score } } nps { latest { score } } conversion { touchedCampaigns convertedCampaigns }
	  channelMix { channel contacts share lastContactAt } } } } } }`, map[string]any{"seg": seg.ID, "n": n}, &list)

	before := guardCounts(t, e)
	e.demo.Simulators.Reset()
	var out struct {
		Segment struct {
			Count   int                `json:"count"`
			Metrics segmentMetricsView `json:"metrics"`
		} `json:"segment"`
	}
	e.mustQuery(t, segmentMetricsQuery, map[string]any{"id": seg.ID, "max": n}, &out)
	// Orders and interactions: one call per system; profiles: none.
	calls := map[string]int64{
		"shop orders": 1, "pos query": 1, "helpdesk conversations": 1, "mailing activity": 1, "calls calls": 1,
		"crm contacts.batch_read": 0, "shop customers": 0, "helpdesk users.show_many": 0, "mailing members.get": 0, "calls contacts.get": 0,
	}
	for route, want := range calls {
		sys, r, _ := strings.Cut(route, " ")
		if got := e.demo.Simulators.Get(sys).Count(r); got != want {
			t.Errorf("%s served %d calls for the metrics of %d members, want %d", route, got, n, want)
		}
	}
	for k, v := range guardCounts(t, e) {
		if d := v - before[k]; d > 1 {
			t.Errorf("guard counted %v upstream calls for %s, want at most 1", d, k)
		}
	}

	m := out.Segment.Metrics
	if m.Members != out.Segment.Count || m.Customers != n || !m.Capped || m.Complete || len(list.Customers.Edges) != n {
		t.Errorf("members %d (count %d), customers %d, capped %v, complete %v; want %d of them, capped, not complete",
			m.Members, out.Segment.Count, m.Customers, m.Capped, m.Complete, n)
	}
	// The same figures from the members' own metrics.
	var orders, buyers, answered, ratings, ratingSum, satisfied, touched, converted, respondents, promoters, detractors, npsSum int
	var spent int64
	var responseSum float64
	mix := map[string]int{}
	for _, edge := range list.Customers.Edges {
		cm := edge.Node.Metrics
		orders += cm.OrderCount
		if cm.OrderCount > 0 {
			buyers++
		}
		for _, s := range cm.TotalSpent {
			var whole, frac int64
			if _, err := fmt.Sscanf(s.Amount, "%d.%d", &whole, &frac); err != nil || s.Currency != "EUR" {
				t.Fatalf("spend %+v", s)
			}
			spent += whole*100 + frac
		}
		if cm.AverageFirstResponseSeconds != nil {
			answered += cm.AnsweredConversations
			responseSum += *cm.AverageFirstResponseSeconds * float64(cm.AnsweredConversations)
		}
		for _, s := range cm.CSAT.Scores {
			ratings++
			ratingSum += s.Score
			if s.Score >= 4 {
				satisfied++
			}
		}
		if l := cm.NPS.Latest; l != nil {
			respondents++
			npsSum += l.Score
			switch {
			case l.Score >= 9:
				promoters++
			case l.Score <= 6:
				detractors++
			}
		}
		touched += cm.Conversion.TouchedCampaigns
		converted += cm.Conversion.ConvertedCampaigns
		for _, c := range cm.ChannelMix {
			mix[c.Channel] += c.Contacts
		}
	}
	if m.OrderCount != orders || m.Buyers != buyers || !slices.Equal(m.TotalSpent, []money{{cents(spent), "EUR"}}) ||
		!slices.Equal(m.MeanSpent, []money{{cents(int64(math.Round(float64(spent) / n))), "EUR"}}) {
		t.Errorf("orders %d, buyers %d, spent %v (mean %v); want %d, %d, %s (mean of %d)", m.OrderCount, m.Buyers, m.TotalSpent, m.MeanSpent, orders, buyers, cents(spent), n)
	}
	if r := responseSum / float64(answered); answered == 0 || !near(m.AverageFirstResponseSeconds, &r) {
		t.Errorf("mean first response %s, want %v over %d conversations", fmtPtr(m.AverageFirstResponseSeconds), r, answered)
	}
	csatMean, share := float64(ratingSum)/float64(ratings), float64(satisfied)/float64(ratings)
	if ratings == 0 || m.CSAT.Ratings != ratings || !near(m.CSAT.Mean, &csatMean) || !near(m.CSAT.SatisfiedShare, &share) {
		t.Errorf("csat %+v, want %d ratings, mean %v, satisfied %v", m.CSAT, ratings, csatMean, share)
	}
	npsMean, score := float64(npsSum)/float64(respondents), 100*float64(promoters-detractors)/float64(respondents)
	if respondents == 0 || m.NPS.Respondents != respondents || m.NPS.Promoters != promoters || m.NPS.Detractors != detractors ||
		m.NPS.Passives != respondents-promoters-detractors || !near(m.NPS.Mean, &npsMean) || !near(m.NPS.Score, &score) {
		t.Errorf("nps %+v, want %d respondents, %d promoters, %d detractors, mean %v, NPS %v", m.NPS, respondents, promoters, detractors, npsMean, score)
	}
	rate := float64(converted) / float64(touched)
	if touched == 0 || m.Conversion.WindowDays != 7 || m.Conversion.TouchedCampaigns != touched || m.Conversion.ConvertedCampaigns != converted || !near(m.Conversion.Rate, &rate) {
		t.Errorf("conversion %+v, want %d of %d touches in 7 days", m.Conversion, converted, touched)
	}
	for _, c := range m.ChannelMix {
		if c.Contacts != mix[c.Channel] {
			t.Errorf("channel mix %s = %d, want %d", c.Channel, c.Contacts, mix[c.Channel])
		}
		delete(mix, c.Channel)
	}
	if len(mix) > 0 {
		t.Errorf("channels missing from the mix: %v", mix)
	}
	t.Logf("%d of %d members: %d orders, %s EUR, CSAT %s, NPS %s over %d, conversion %s, mix %v",
		m.Customers, m.Members, m.OrderCount, m.TotalSpent[0].Amount, fmtPtr(m.CSAT.Mean), fmtPtr(m.NPS.Score), m.NPS.Respondents, fmtPtr(m.Conversion.Rate), m.ChannelMix)

	// Not capped: every member, complete.
	var whole struct {
		Segment struct {
			Metrics segmentMetricsView `json:"metrics"`
		} `json:"segment"`
	}
	e.mustQuery(t, segmentMetricsQuery, map[string]any{"id": seg.ID, "max": 500}, &whole)
	if w := whole.Segment.Metrics; w.Capped || !w.Complete || w.Customers != w.Members {
		t.Errorf("all members: customers %d of %d, capped %v, complete %v", w.Customers, w.Members, w.Capped, w.Complete)
	}
	// Arguments out of bounds are refused.
	for _, limit := range []int{0, 501} {
		if r := e.query(t, segmentMetricsQuery, map[string]any{"id": seg.ID, "max": limit}, nil); len(r.Errors) == 0 {
			t.Errorf("maxMembers %d accepted", limit)
		}
	}
}

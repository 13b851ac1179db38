package e2e

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/demo"
	"github.com/harmonyhq/harmony/internal/simulators/mailing"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// The analytics of the whole demo population, checked against figures this
// test works out itself from the simulators' raw data: the population the
// simulators serve (orders, sales, calls, SMS, social messages, bot
// conversations, e-mail events, survey answers) and the helpdesk's
// conversations as its API writes them (their direction and rating
// depend on what the tests sent). Only the partition of records into
// customers comes from Harmony (its links), so that the figures, not the
// identity resolution, are under test. Nothing here calls internal/kpi or
// internal/analytics.

const analyticsQuery = `
query Analytics($segment: ID, $days: Int) {
  analytics(segment: $segment, conversionWindowDays: $days) {
    customers buyers repeatBuyers repeatPurchaseRate
    cohorts { month customers retention { monthsAfter customers active rate } }
    retention { monthsAfter customers active rate }
    churn { low medium high }
    engagement { mean bands }
    csat { ratings mean satisfiedShare }
    nps { respondents promoters passives detractors mean score }
    npsTrend { month respondents promoters passives detractors score }
    firstResponseByChannel { channel answered averageSeconds }
    conversionByCampaign { campaignId source touched converted rate }
    conversionWindowDays
    channelMix { channel contacts share lastContactAt }
    freshness { computedAt builtAt eventsSinceBuild storedEvents lastEventAt failedSources missingCustomers complete }
  }
}`

type retentionPoint struct {
	MonthsAfter, Customers, Active int
	Rate                           float64
}

type npsCounts struct {
	Respondents, Promoters, Passives, Detractors int
}

type analyticsView struct {
	Customers, Buyers, RepeatBuyers int
	RepeatPurchaseRate              *float64
	Cohorts                         []struct {
		Month     string
		Customers int
		Retention []retentionPoint
	}
	Retention  []retentionPoint
	Churn      struct{ Low, Medium, High int }
	Engagement struct {
		Mean  *float64
		Bands []int
	}
	CSAT struct {
		Ratings        int
		Mean           *float64
		SatisfiedShare *float64
	} `json:"csat"`
	NPS struct {
		npsCounts
		Mean, Score *float64
	} `json:"nps"`
	NPSTrend []struct {
		Month string
		npsCounts
		Score float64
	} `json:"npsTrend"`
	FirstResponseByChannel []struct {
		Channel        string
		Answered       int
		AverageSeconds float64
	}
	ConversionByCampaign []struct {
		CampaignID, Source string
		Touched, Converted int
		Rate               float64
	}
	ConversionWindowDays int
	ChannelMix           []channelContacts
	Freshness            struct {
		ComputedAt       string
		BuiltAt          *string
		EventsSinceBuild int
		StoredEvents     int
		LastEventAt      *string
		FailedSources    []string
		MissingCustomers int
		Complete         bool
	}
}

// rawOrder is an order or a sale: when, its total, and whether it counts
// as spend (not refunded).
type rawOrder struct {
	at    time.Time
	cents int64
	spent bool
}

// rawFacts are one customer's records, as the test reads them.
type rawFacts struct {
	orders    []rawOrder
	contacts  []metricContact // customer-initiated only
	responses map[string][]float64
	csat      []int
	nps       []datedScore
	touches   map[string]time.Time
}

// helpdeskAll reads every helpdesk conversation of keys from its API, by
// user.
func helpdeskAll(t *testing.T, e *env, keys []string) map[string][]helpdeskConversation {
	t.Helper()
	vars := e.demo.Simulators.Vars()
	out := map[string][]helpdeskConversation{}
	for start := 0; start < len(keys); start += 50 {
		chunk := keys[start:min(start+50, len(keys))]
		var hd struct {
			Conversations []struct {
				helpdeskConversation
				UserID int64 `json:"user_id"`
			} `json:"conversations"`
		}
		simulatorGet(t, vars["HELPDESK_URL"]+"/api/v2/conversations.json?"+url.Values{"user_ids": {strings.Join(chunk, ",")}, "per_user": {"1000"}}.Encode(),
			vars["HELPDESK_USER"], vars["HELPDESK_TOKEN"], &hd)
		for _, c := range hd.Conversations {
			k := fmt.Sprint(c.UserID)
			out[k] = append(out[k], c.helpdeskConversation)
		}
	}
	return out
}

// expectedAnalytics works the figures out from the raw records.
type expectedAnalytics struct {
	customers, buyers, repeat int
	cohorts                   map[string][]int
	churn                     [3]int // low, medium, high
	engagementSum             int
	bands                     [5]int
	csatN, csatSum, satisfied int
	nps                       npsCounts
	npsMonths                 map[string]npsCounts
	frt                       map[string][]float64
	campaigns                 map[string][2]int
	mix                       map[string]int
}

func workOutAnalytics(t *testing.T, e *env, now time.Time, window time.Duration) expectedAnalytics {
	t.Helper()
	ctx := t.Context()
	pop := e.demo.Simulators.Population()
	// Harmony's partition: which customer holds each system's record.
	owner := map[string]string{}
	if err := e.gw.Store.KeysScan(ctx, func(id string, idents []store.Identity) error {
		for _, idn := range idents {
			if idn.Kind == store.KindExternalID && idn.System != "" {
				owner[idn.System+"\x00"+idn.Value] = id
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	active, err := e.gw.Store.ActiveCustomerIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	isActive := map[string]bool{}
	for _, id := range active {
		isActive[id] = true
	}
	var hdKeys []string
	for _, p := range pop.Members(population.Helpdesk) {
		hdKeys = append(hdKeys, p.Key(population.Helpdesk))
	}
	hd := helpdeskAll(t, e, hdKeys)

	facts := map[string]*rawFacts{}
	of := func(system, key string) *rawFacts {
		id := owner[system+"\x00"+key]
		if id == "" || !isActive[id] {
			t.Fatalf("the %s record %s belongs to no active customer", system, key)
		}
		f := facts[id]
		if f == nil {
			f = &rawFacts{responses: map[string][]float64{}, touches: map[string]time.Time{}}
			facts[id] = f
		}
		return f
	}
	sec := func(at time.Time) time.Time { return at.UTC().Truncate(time.Second) }
	for i := range pop.People {
		p := &pop.People[i]
		for _, o := range p.Orders {
			f := of(population.Shop, p.Key(population.Shop))
			f.orders = append(f.orders, rawOrder{sec(o.CreatedAt), o.TotalCents, o.FinancialStatus != "refunded"})
		}
		for _, s := range p.Sales {
			f := of(population.POS, p.Key(population.POS))
			f.orders = append(f.orders, rawOrder{sec(s.SoldAt), s.TotalCents, s.Status != "refunded"})
		}
		for _, c := range p.Calls {
			if c.Direction == "inbound" {
				f := of(population.Calls, p.Key(population.Calls))
				f.contacts = append(f.contacts, metricContact{"PHONE", sec(c.StartedAt), true})
			}
		}
		for _, m := range p.SMSMessages {
			if m.Direction == "inbound" {
				f := of(population.SMS, p.Key(population.SMS))
				f.contacts = append(f.contacts, metricContact{"SMS", sec(m.SentAt), true})
			}
		}
		for _, m := range p.SocialMessages {
			if m.Kind == "dm" && m.From == "customer" {
				f := of(population.Social, p.Key(population.Social))
				f.contacts = append(f.contacts, metricContact{"SOCIAL", sec(m.CreatedAt), true})
			}
		}
		for _, c := range p.BotConversations {
			ch := "CHAT"
			if c.Channel == "in_app" {
				ch = "APP"
			}
			f := of(population.Chatbot, p.Key(population.Chatbot))
			f.contacts = append(f.contacts, metricContact{ch, sec(c.CreatedAt), true})
		}
		if p.In(population.Mailing) {
			f := of(population.Mailing, p.Key(population.Mailing))
			for _, ev := range p.EmailEvents {
				if (ev.Action == "open" || ev.Action == "click") && ev.CampaignID != "" {
					at := sec(ev.Timestamp)
					if first, ok := f.touches[ev.CampaignID]; !ok || at.Before(first) {
						f.touches[ev.CampaignID] = at
					}
				}
			}
			for _, a := range mailing.SurveyAnswers(p) {
				f.nps = append(f.nps, datedScore{Score: a.Score, At: sec(a.At).Format(time.RFC3339), Source: "mailing", InteractionID: a.ID})
			}
		}
		if p.In(population.Helpdesk) {
			key := p.Key(population.Helpdesk)
			f := of(population.Helpdesk, key)
			for _, c := range hd[key] {
				start := mustTime(t, c.CreatedAt)
				ch := strings.ToUpper(c.Channel)
				if c.Direction == "inbound" {
					f.contacts = append(f.contacts, metricContact{ch, start, true})
				}
				if c.FirstResponseAt != nil {
					if d := mustTime(t, *c.FirstResponseAt).Sub(start); d >= 0 {
						f.responses[ch] = append(f.responses[ch], d.Seconds())
					}
				}
				if c.Satisfaction != nil {
					f.csat = append(f.csat, c.Satisfaction.Rating)
				}
			}
		}
	}

	w := expectedAnalytics{customers: len(active), cohorts: map[string][]int{}, npsMonths: map[string]npsCounts{},
		frt: map[string][]float64{}, campaigns: map[string][2]int{}, mix: map[string]int{}}
	w.bands[0] = len(active) - len(facts) // customers with no record at all score 0
	month := func(at time.Time) int { return at.Year()*12 + int(at.Month()) - 1 }
	year := 365 * 24 * time.Hour
	for _, f := range facts {
		slices.SortFunc(f.orders, func(a, b rawOrder) int { return a.at.Compare(b.at) })
		if n := len(f.orders); n > 0 {
			w.buyers++
			if n > 1 {
				w.repeat++
			}
			w.churn[churnLevel(f.orders, now)]++
			first := f.orders[0].at
			key := first.Format("2006-01")
			if w.cohorts[key] == nil {
				w.cohorts[key] = make([]int, month(now)-month(first)+1)
			}
			seen := map[int]bool{}
			for _, o := range f.orders {
				if k := month(o.at) - month(first); !seen[k] && k < len(w.cohorts[key]) {
					seen[k] = true
					w.cohorts[key][k]++
				}
			}
		}
		var last time.Time
		inYear := 0
		for _, c := range f.contacts {
			if c.at.After(now) {
				continue
			}
			if c.at.After(last) {
				last = c.at
			}
			if now.Sub(c.at) < year {
				inYear++
				w.mix[c.channel]++
			}
		}
		score := 50 * min(inYear, 12) / 12
		if !last.IsZero() {
			score += 50 * (365 - min(int(now.Sub(last)/(24*time.Hour)), 365)) / 365
		}
		w.engagementSum += score
		w.bands[min(score/20, 4)]++
		for _, r := range f.csat {
			w.csatN++
			w.csatSum += r
			if r >= 4 {
				w.satisfied++
			}
		}
		slices.SortFunc(f.nps, func(a, b datedScore) int {
			return cmp.Or(strings.Compare(b.At, a.At), strings.Compare(b.InteractionID, a.InteractionID))
		})
		for i, a := range f.nps {
			if i == 0 {
				addNPS(&w.nps, a.Score)
			}
			m := w.npsMonths[a.At[:7]]
			addNPS(&m, a.Score)
			w.npsMonths[a.At[:7]] = m
		}
		for ch, rs := range f.responses {
			w.frt[ch] = append(w.frt[ch], rs...)
		}
		for camp, at := range f.touches {
			c := w.campaigns[camp]
			c[0]++
			for _, o := range f.orders {
				if !o.at.Before(at) && !o.at.After(at.Add(window)) {
					c[1]++
					break
				}
			}
			w.campaigns[camp] = c
		}
	}
	return w
}

// churnLevel is 0 (low), 1 (medium) or 2 (high): recency, frequency and
// monetary scores on the schema's thresholds, weighed 5, 3 and 2 (every
// amount is in euros).
func churnLevel(orders []rawOrder, now time.Time) int {
	last := orders[len(orders)-1].at
	days := int(now.Sub(last) / (24 * time.Hour))
	n, cents := 0, int64(0)
	for _, o := range orders {
		if d := now.Sub(o.at); d >= 0 && d < 365*24*time.Hour {
			n++
			if o.spent {
				cents += o.cents
			}
		}
	}
	score := func(v float64, steps []float64) int { // steps: thresholds for 5, 4, 3, 2
		for i, s := range steps {
			if v >= s {
				return 5 - i
			}
		}
		return 1
	}
	r := score(-float64(days), []float64{-30, -90, -180, -365})
	f := score(float64(n), []float64{6, 4, 2, 1})
	m := score(float64(cents)/100, []float64{1000, 500, 200, 0.01})
	sum := 5*r + 3*f + 2*m
	switch {
	case sum <= 20:
		return 2
	case sum <= 30:
		return 1
	}
	return 0
}

func addNPS(n *npsCounts, v int) {
	n.Respondents++
	switch {
	case v >= 9:
		n.Promoters++
	case v >= 7:
		n.Passives++
	default:
		n.Detractors++
	}
}

// bootPopulation starts a demo of its own at a population's size and seed,
// with a gateway and its first identity sync (which builds the analytics
// projection), all stopped when the test ends.
func bootPopulation(t *testing.T, seed uint64, n int) *env {
	t.Helper()
	ctx := context.Background()
	d, err := demo.Start(ctx, demo.Options{DataDir: t.TempDir(), People: n, Seed: seed})
	if err != nil {
		t.Fatalf("start a demo: %v", err)
	}
	t.Cleanup(d.Close)
	tune(d)
	for i := range d.Config.Connectors {
		// Nothing here breaks a system: a build on a busy machine (the race
		// detector, other packages' tests) must not time out.
		d.Config.Connectors[i].Timeout = 15 * time.Second
	}
	logs := &syncBuffer{}
	gw, err := app.Build(ctx, d.Config, app.Options{Log: testlog.Logger(logs)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(context.Background()) })
	if err := gw.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	return &env{demo: d, gw: gw, srv: srv, logs: logs}
}

// The full demo (make run's 1,000 people) and a second population, of
// another seed and size.
func TestAnalyticsOfTheWholeDemoMatchTheSystemsData(t *testing.T) {
	for _, pop := range []struct {
		name   string
		seed   uint64
		people int
	}{
		{"the demo", population.DefaultSeed, population.DefaultPeople},
		{"another population", 20261208, 450},
	} {
		t.Run(pop.name, func(t *testing.T) {
			e := bootPopulation(t, pop.seed, pop.people)
			analyticsMatch(t, e)
			if pop.seed == population.DefaultSeed {
				segmentUncapped(t, e)
			}
		})
	}
}

func analyticsMatch(t *testing.T, e *env) {
	for _, days := range []int{7, 30} {
		t.Run(fmt.Sprintf("window %d days", days), func(t *testing.T) {
			var out struct {
				Analytics analyticsView `json:"analytics"`
			}
			e.mustQuery(t, analyticsQuery, map[string]any{"days": days}, &out)
			got := out.Analytics
			now := mustTime(t, got.Freshness.ComputedAt)
			w := workOutAnalytics(t, e, now, time.Duration(days)*24*time.Hour)
			checkAnalytics(t, got, w)
			if !got.Freshness.Complete || got.Freshness.BuiltAt == nil || len(got.Freshness.FailedSources) > 0 || got.ConversionWindowDays != days {
				t.Errorf("freshness %+v, window %d", got.Freshness, got.ConversionWindowDays)
			}
			t.Logf("%d customers, %d buyers, %d repeat, %d cohorts, churn %+v, engagement %s, CSAT %d ratings, NPS %s over %d, %d campaigns, %d channels",
				got.Customers, got.Buyers, got.RepeatBuyers, len(got.Cohorts), got.Churn, fmtPtr(got.Engagement.Mean),
				got.CSAT.Ratings, fmtPtr(got.NPS.Score), got.NPS.Respondents, len(got.ConversionByCampaign), len(got.ChannelMix))
		})
	}
}

func checkAnalytics(t *testing.T, got analyticsView, w expectedAnalytics) {
	t.Helper()
	if got.Customers != w.customers || got.Buyers != w.buyers || got.RepeatBuyers != w.repeat {
		t.Errorf("customers %d, buyers %d, repeat %d; want %d, %d, %d", got.Customers, got.Buyers, got.RepeatBuyers, w.customers, w.buyers, w.repeat)
	}
	if rate := float64(w.repeat) / float64(w.buyers); w.buyers == 0 || !near(got.RepeatPurchaseRate, &rate) {
		t.Errorf("repeat rate %s, want %v", fmtPtr(got.RepeatPurchaseRate), rate)
	}
	if len(got.Cohorts) != len(w.cohorts) {
		t.Errorf("%d cohorts, want %d", len(got.Cohorts), len(w.cohorts))
	}
	months := make([]string, 0, len(w.cohorts))
	for m := range w.cohorts {
		months = append(months, m)
	}
	slices.Sort(months)
	for i, c := range got.Cohorts {
		want := w.cohorts[c.Month]
		if i >= len(months) || c.Month != months[i] || c.Customers != want[0] || len(c.Retention) != len(want) {
			t.Errorf("cohort %d = %s with %d (%d months), want %v", i, c.Month, c.Customers, len(c.Retention), want)
			continue
		}
		for k, p := range c.Retention {
			if p.MonthsAfter != k || p.Customers != want[0] || p.Active != want[k] || math.Abs(p.Rate-float64(want[k])/float64(want[0])) > 1e-9 {
				t.Errorf("cohort %s month %d = %+v, want %d of %d", c.Month, k, p, want[k], want[0])
			}
		}
	}
	for k, p := range got.Retention {
		el, ac := 0, 0
		for _, m := range months {
			if a := w.cohorts[m]; k < len(a) {
				el += a[0]
				ac += a[k]
			}
		}
		if p.MonthsAfter != k || p.Customers != el || p.Active != ac {
			t.Errorf("retention[%d] = %+v, want %d of %d", k, p, ac, el)
		}
	}
	if g := [3]int{got.Churn.Low, got.Churn.Medium, got.Churn.High}; g != w.churn {
		t.Errorf("churn low, medium, high = %v, want %v", g, w.churn)
	}
	if mean := float64(w.engagementSum) / float64(w.customers); !near(got.Engagement.Mean, &mean) || !slices.Equal(got.Engagement.Bands, w.bands[:]) {
		t.Errorf("engagement mean %s bands %v, want %v %v", fmtPtr(got.Engagement.Mean), got.Engagement.Bands, mean, w.bands)
	}
	csatMean, share := float64(w.csatSum)/float64(w.csatN), float64(w.satisfied)/float64(w.csatN)
	if w.csatN == 0 || got.CSAT.Ratings != w.csatN || !near(got.CSAT.Mean, &csatMean) || !near(got.CSAT.SatisfiedShare, &share) {
		t.Errorf("csat %+v, want %d ratings, mean %v, satisfied %v", got.CSAT, w.csatN, csatMean, share)
	}
	score := 100 * float64(w.nps.Promoters-w.nps.Detractors) / float64(w.nps.Respondents)
	if w.nps.Respondents == 0 || got.NPS.npsCounts != w.nps || !near(got.NPS.Score, &score) {
		t.Errorf("nps %+v, want %+v (score %v)", got.NPS, w.nps, score)
	}
	if len(got.NPSTrend) != len(w.npsMonths) {
		t.Errorf("%d NPS months, want %d", len(got.NPSTrend), len(w.npsMonths))
	}
	for _, m := range got.NPSTrend {
		want := w.npsMonths[m.Month]
		if m.npsCounts != want || math.Abs(m.Score-100*float64(want.Promoters-want.Detractors)/float64(want.Respondents)) > 1e-9 {
			t.Errorf("NPS %s = %+v, want %+v", m.Month, m, want)
		}
	}
	if len(got.FirstResponseByChannel) != len(w.frt) {
		t.Errorf("first response on %d channels, want %v", len(got.FirstResponseByChannel), len(w.frt))
	}
	for _, c := range got.FirstResponseByChannel {
		want := w.frt[c.Channel]
		if m := mean(want); c.Answered != len(want) || m == nil || math.Abs(c.AverageSeconds-*m) > 1e-6 {
			t.Errorf("first response %s: %d, %v s; want %d, %s s", c.Channel, c.Answered, c.AverageSeconds, len(want), fmtPtr(m))
		}
	}
	if len(got.ConversionByCampaign) != len(w.campaigns) {
		t.Errorf("%d campaigns, want %d", len(got.ConversionByCampaign), len(w.campaigns))
	}
	for _, c := range got.ConversionByCampaign {
		if g := [2]int{c.Touched, c.Converted}; c.Source != "mailing" || g != w.campaigns[c.CampaignID] {
			t.Errorf("campaign %s (%s): %v, want %v", c.CampaignID, c.Source, g, w.campaigns[c.CampaignID])
		}
	}
	if len(got.ChannelMix) != len(w.mix) {
		t.Errorf("mix %+v, want %v", got.ChannelMix, w.mix)
	}
	for _, c := range got.ChannelMix {
		if c.Contacts != w.mix[c.Channel] {
			t.Errorf("mix %s = %d, want %d", c.Channel, c.Contacts, w.mix[c.Channel])
		}
	}
}

// A segment's analytics cover every member, however many (the demo's
// segment of everyone with a CRM record is over 500).
func segmentUncapped(t *testing.T, e *env) {
	var saved struct {
		SaveSegment struct {
			ID    string `json:"id"`
			Count int    `json:"count"`
		} `json:"saveSegment"`
	}
	e.mustQuery(t, `mutation ($filter: CustomerFilter!) { saveSegment(name: "analytics: crm", filter: $filter) { id count } }`,
		map[string]any{"filter": map[string]any{"inSystems": []string{"crm"}}}, &saved)
	t.Cleanup(func() { _, _ = e.gw.Store.DeleteSegment(context.Background(), saved.SaveSegment.ID) })
	if saved.SaveSegment.Count <= 500 {
		t.Fatalf("the segment has %d members, want more than 500", saved.SaveSegment.Count)
	}
	var out struct {
		Analytics analyticsView `json:"analytics"`
	}
	e.mustQuery(t, analyticsQuery, map[string]any{"segment": saved.SaveSegment.ID}, &out)
	if got := out.Analytics; got.Customers != saved.SaveSegment.Count || got.Freshness.MissingCustomers != 0 || !got.Freshness.Complete {
		t.Errorf("segment analytics over %d customers (missing %d, complete %v), want all %d members",
			got.Customers, got.Freshness.MissingCustomers, got.Freshness.Complete, saved.SaveSegment.Count)
	}
	if r := e.query(t, analyticsQuery, map[string]any{"segment": "seg_nope"}, nil); len(r.Errors) == 0 {
		t.Error("an unknown segment answered figures")
	}
}

const liveMetricsQuery = `
query ($id: ID!) {
  customer(id: $id) {
    metrics { storedEvents lastStoredEventAt engagement { score contactsLastYear daysSinceLastContact } channelMix { channel contacts } }
    timeline(first: 5) { edges { node { source channel occurredAt } } }
  }
  analytics { freshness { eventsSinceBuild storedEvents lastEventAt } channelMix { channel contacts } }
}`

type liveView struct {
	Customer struct {
		Metrics struct {
			StoredEvents      int     `json:"storedEvents"`
			LastStoredEventAt *string `json:"lastStoredEventAt"`
			Engagement        struct {
				Score            int `json:"score"`
				ContactsLastYear int `json:"contactsLastYear"`
			} `json:"engagement"`
			ChannelMix []channelContacts `json:"channelMix"`
		} `json:"metrics"`
		Timeline struct {
			Edges []struct {
				Node struct {
					Source     string `json:"source"`
					Channel    string `json:"channel"`
					OccurredAt string `json:"occurredAt"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"timeline"`
	} `json:"customer"`
	Analytics struct {
		Freshness struct {
			EventsSinceBuild int     `json:"eventsSinceBuild"`
			StoredEvents     int     `json:"storedEvents"`
			LastEventAt      *string `json:"lastEventAt"`
		} `json:"freshness"`
		ChannelMix []channelContacts `json:"channelMix"`
	} `json:"analytics"`
}

func mixOf(mix []channelContacts, ch string) int {
	for _, c := range mix {
		if c.Channel == ch {
			return c.Contacts
		}
	}
	return 0
}

// A webhook event stored during service counts in the customer's metrics,
// timeline and the population figures on the next read, with its time.
func TestAnalyticsCountAWebhookEventOnTheNextRead(t *testing.T) {
	e := boot(t)
	sim := e.demo.Simulators.Helpdesk
	sim.SetWebhook(e.srv.URL + "/webhooks/helpdesk")
	defer sim.SetWebhook("")
	user, customer := helpdeskCustomer(t.Context(), t, e.gw, e.demo.Simulators.Population())
	var before liveView
	e.mustQuery(t, liveMetricsQuery, map[string]any{"id": customer}, &before)

	at := time.Now().UTC().Truncate(time.Second)
	status, err := sim.SendWebhook(t.Context(), sim.NewMessageEvent(user, "whatsapp", "live from the analytics test", at))
	if err != nil || status != http.StatusOK {
		t.Fatalf("webhook: %d, %v", status, err)
	}
	// The customer's own figures read the store: the next read has it.
	var after liveView
	e.mustQuery(t, liveMetricsQuery, map[string]any{"id": customer}, &after)
	m, b := after.Customer.Metrics, before.Customer.Metrics
	if m.StoredEvents != b.StoredEvents+1 || m.LastStoredEventAt == nil || mustTime(t, *m.LastStoredEventAt).Before(at) {
		t.Errorf("stored events %d (last %v), want %d, at or after %s", m.StoredEvents, m.LastStoredEventAt, b.StoredEvents+1, at)
	}
	if mixOf(m.ChannelMix, "WHATSAPP") != mixOf(b.ChannelMix, "WHATSAPP")+1 || m.Engagement.ContactsLastYear != b.Engagement.ContactsLastYear+1 {
		t.Errorf("whatsapp contacts %d → %d, contacts in a year %d → %d: the event should count once",
			mixOf(b.ChannelMix, "WHATSAPP"), mixOf(m.ChannelMix, "WHATSAPP"), b.Engagement.ContactsLastYear, m.Engagement.ContactsLastYear)
	}
	if edges := after.Customer.Timeline.Edges; len(edges) == 0 || edges[0].Node.Source != "harmony" || edges[0].Node.Channel != "WHATSAPP" {
		t.Errorf("the timeline's newest entry is %+v, want the stored event", edges)
	}
	// The population figures hear of it through the bus, which delivers
	// asynchronously: the read after delivery has it.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var pop liveView
		e.mustQuery(t, liveMetricsQuery, map[string]any{"id": customer}, &pop)
		f := pop.Analytics.Freshness
		if f.EventsSinceBuild > before.Analytics.Freshness.EventsSinceBuild {
			if f.StoredEvents != before.Analytics.Freshness.StoredEvents+1 || f.LastEventAt == nil ||
				mixOf(pop.Analytics.ChannelMix, "WHATSAPP") != mixOf(before.Analytics.ChannelMix, "WHATSAPP")+1 {
				t.Errorf("analytics after the event: %+v, whatsapp %d (before %d)", f, mixOf(pop.Analytics.ChannelMix, "WHATSAPP"), mixOf(before.Analytics.ChannelMix, "WHATSAPP"))
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the analytics did not count the event in 10 s: %+v", f)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A merge made by a person changes the figures without waiting for the
// next sync: the customer merged away leaves them, and the survivor is read
// again under its new keys, so two one-order customers become one repeat
// buyer.
func TestAnalyticsFollowAMerge(t *testing.T) {
	e := bootPopulation(t, 77, 80)
	var list struct {
		Customers struct {
			Edges []struct {
				Node struct {
					ID      string `json:"id"`
					Metrics struct {
						OrderCount int `json:"orderCount"`
					} `json:"metrics"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"customers"`
	}
	e.mustQuery(t, `{ customers(first: 100) { edges { node { id metrics { orderCount } } } } }`, nil, &list)
	var single []string
	for _, edge := range list.Customers.Edges {
		if edge.Node.Metrics.OrderCount == 1 {
			single = append(single, edge.Node.ID)
		}
	}
	if len(single) < 2 {
		t.Fatalf("%d customers with one order, want two", len(single))
	}
	var before struct {
		Analytics analyticsView `json:"analytics"`
	}
	e.mustQuery(t, analyticsQuery, nil, &before)
	e.mustQuery(t, `mutation ($s: ID!, $m: ID!) { mergeCustomers(input: {survivorId: $s, mergedId: $m, reason: "analytics test"}) { changed } }`,
		map[string]any{"s": single[0], "m": single[1]}, nil)

	deadline := time.Now().Add(30 * time.Second)
	for {
		var after struct {
			Analytics analyticsView `json:"analytics"`
		}
		e.mustQuery(t, analyticsQuery, nil, &after)
		a, b := after.Analytics, before.Analytics
		if a.Customers == b.Customers-1 && a.Buyers == b.Buyers-1 && a.RepeatBuyers == b.RepeatBuyers+1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the merge: %d customers, %d buyers, %d repeat; want %d, %d, %d",
				a.Customers, a.Buyers, a.RepeatBuyers, b.Customers-1, b.Buyers-1, b.RepeatBuyers+1)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package analytics

import (
	"cmp"
	"maps"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/internal/kpi"
)

// Report is the figures over a set of customers: the whole base or a
// segment's members, every one of them.
type Report struct {
	Customers int
	// Buyers placed at least one order; RepeatBuyers two or more.
	Buyers, RepeatBuyers int
	// Cohorts by first-order month, oldest first.
	Cohorts []Cohort
	// Retention is the curve over every cohort: for each month after the
	// first order, the share of the buyers whose cohort has reached that
	// month who ordered in it.
	Retention []RetentionPoint
	// Churn counts the buyers per risk level.
	Churn map[string]int
	// Engagement is the mean engagement score of the customers, and
	// EngagementBands counts them per band of 20 points (0–19 … 80–100).
	EngagementSum   int
	EngagementBands [5]int
	// CSAT pools every rating; Satisfied counts those of 4 or 5.
	CSAT      kpi.Tally
	Satisfied int
	// NPS over each respondent's latest answer.
	NPS NPSCount
	// NPSTrend is the NPS of each calendar month (UTC) with an answer, over
	// the answers given that month, oldest first.
	NPSTrend []NPSMonth
	// FirstResponse is the first-response time per channel, most answered
	// first (ties: channel name).
	FirstResponse []ChannelResponse
	// Campaigns are the conversions per campaign, most touched first (ties:
	// source, then campaign).
	Campaigns []CampaignFigures
	// ChannelMix sums the customer-initiated contacts of the last 365 days
	// per channel, most first.
	ChannelMix []kpi.ChannelContacts
	// Events counts the stored webhook events included; LastEventAt is the
	// newest one's arrival.
	Events      int
	LastEventAt time.Time
}

// Month is a calendar month in UTC.
type Month struct {
	Year  int
	Month time.Month
}

// MonthOf is the UTC calendar month of t.
func MonthOf(t time.Time) Month {
	t = t.UTC()
	return Month{t.Year(), t.Month()}
}

// index counts months from year 0, so that differences are month counts.
func (m Month) index() int { return m.Year*12 + int(m.Month) - 1 }

// String is YYYY-MM.
func (m Month) String() string {
	return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}

// Start is the month's first instant.
func (m Month) Start() time.Time { return time.Date(m.Year, m.Month, 1, 0, 0, 0, 0, time.UTC) }

// Cohort is the buyers whose first order (any status) fell in Month, and
// for each month after, how many of them ordered again.
type Cohort struct {
	Month     Month
	Customers int
	// Active[k] is how many of them placed an order in the k-th month after
	// Month (Active[0] is Customers), up to the month of the computation.
	Active []int
}

// RetentionPoint is one month of the retention curve.
type RetentionPoint struct {
	MonthsAfter int
	// Eligible is the buyers of the cohorts that have reached that month;
	// Active those of them who ordered in it.
	Eligible, Active int
}

// NPSCount tallies NPS answers by category.
type NPSCount struct {
	kpi.Tally
	Promoters, Passives, Detractors int
}

// Score is 100 × (promoters − detractors) / respondents, false when none.
func (n NPSCount) Score() (float64, bool) {
	if n.N == 0 {
		return 0, false
	}
	return 100 * float64(n.Promoters-n.Detractors) / float64(n.N), true
}

func (n *NPSCount) add(v int) {
	n.N++
	n.Sum += v
	switch kpi.Category(v) {
	case kpi.Promoter:
		n.Promoters++
	case kpi.Passive:
		n.Passives++
	default:
		n.Detractors++
	}
}

// NPSMonth is the NPS of the answers given in one month.
type NPSMonth struct {
	Month Month
	NPSCount
}

// ChannelResponse is the first-response time on one channel.
type ChannelResponse struct {
	Channel string
	kpi.Durations
}

// CampaignFigures is one campaign's conversion over the customers.
type CampaignFigures struct {
	Source, Campaign string
	// Touched counts the customers who opened or clicked it; Converted
	// those an order followed within the window.
	Touched, Converted int
}

// Options are the computation's parameters.
type Options struct {
	// Now ends every period; required.
	Now time.Time
	// ConversionWindow: kpi.DefaultConversionWindow when zero.
	ConversionWindow time.Duration
}

// Analyze computes the figures over every customer of facts, in one pass.
func Analyze(facts []*Facts, o Options) Report {
	if o.ConversionWindow <= 0 {
		o.ConversionWindow = kpi.DefaultConversionWindow
	}
	r := Report{Customers: len(facts), Churn: map[string]int{}}
	nowMonth := MonthOf(o.Now).index()
	cohorts := map[int]*Cohort{}
	trend := map[int]*NPSMonth{}
	responses := map[string]*ChannelResponse{}
	type campaignKey struct{ source, campaign string }
	campaigns := map[campaignKey]*CampaignFigures{}
	mix := map[string]*kpi.ChannelContacts{}
	for _, f := range facts {
		// Orders: cohorts, repeat purchases, churn.
		if n := len(f.Orders); n > 0 {
			r.Buyers++
			if n > 1 {
				r.RepeatBuyers++
			}
			first := MonthOf(f.Orders[0].At).index()
			c := cohorts[first]
			if c == nil {
				c = &Cohort{Month: MonthOf(f.Orders[0].At), Active: make([]int, max(0, nowMonth-first)+1)}
				cohorts[first] = c
			}
			c.Customers++
			last := -1
			for _, o := range f.Orders {
				k := MonthOf(o.At).index() - first
				if k != last && k < len(c.Active) {
					c.Active[k]++
					last = k
				}
			}
			if ch, ok := f.Churn(o.Now); ok {
				r.Churn[ch.Level]++
			}
		}
		// Engagement.
		e := f.Engagement(o.Now)
		r.EngagementSum += e.Score
		r.EngagementBands[min(e.Score/20, 4)]++
		// Surveys.
		for _, s := range f.CSAT {
			r.CSAT.Merge(kpi.Tally{N: 1, Sum: s.Value})
			if s.Value >= 4 {
				r.Satisfied++
			}
		}
		if len(f.NPS) > 0 {
			r.NPS.add(f.NPS[0].Value)
		}
		for _, s := range f.NPS {
			k := MonthOf(s.At).index()
			m := trend[k]
			if m == nil {
				m = &NPSMonth{Month: MonthOf(s.At)}
				trend[k] = m
			}
			m.add(s.Value)
		}
		// First response per channel.
		for _, rs := range f.Responses {
			c := responses[rs.Channel]
			if c == nil {
				c = &ChannelResponse{Channel: rs.Channel}
				responses[rs.Channel] = c
			}
			c.Merge(kpi.Durations{N: 1, Total: rs.Wait})
		}
		// Conversion per campaign: the first order at or after the touch,
		// within the window.
		for _, t := range f.Touches {
			k := campaignKey{t.Source, t.Campaign}
			c := campaigns[k]
			if c == nil {
				c = &CampaignFigures{Source: t.Source, Campaign: t.Campaign}
				campaigns[k] = c
			}
			c.Touched++
			i, _ := slices.BinarySearchFunc(f.Orders, t.At, func(o OrderFact, at time.Time) int { return o.At.Compare(at) })
			if i < len(f.Orders) && !f.Orders[i].At.After(t.At.Add(o.ConversionWindow)) {
				c.Converted++
			}
		}
		// Channel mix of the last year.
		for _, ct := range f.Contacts {
			if !inYear(ct.At, o.Now) {
				continue
			}
			c := mix[ct.Channel]
			if c == nil {
				c = &kpi.ChannelContacts{Channel: ct.Channel}
				mix[ct.Channel] = c
			}
			c.Contacts++
			if ct.At.After(c.Last) {
				c.Last = ct.At
			}
		}
		r.Events += f.Events
		if f.LastEventAt.After(r.LastEventAt) {
			r.LastEventAt = f.LastEventAt
		}
	}
	for _, k := range slices.Sorted(maps.Keys(cohorts)) {
		r.Cohorts = append(r.Cohorts, *cohorts[k])
	}
	r.Retention = curve(r.Cohorts)
	for _, k := range slices.Sorted(maps.Keys(trend)) {
		r.NPSTrend = append(r.NPSTrend, *trend[k])
	}
	for _, c := range responses {
		r.FirstResponse = append(r.FirstResponse, *c)
	}
	slices.SortFunc(r.FirstResponse, func(a, b ChannelResponse) int { return cmp.Or(b.N-a.N, cmp.Compare(a.Channel, b.Channel)) })
	for _, c := range campaigns {
		r.Campaigns = append(r.Campaigns, *c)
	}
	slices.SortFunc(r.Campaigns, func(a, b CampaignFigures) int {
		return cmp.Or(b.Touched-a.Touched, cmp.Compare(a.Source, b.Source), cmp.Compare(a.Campaign, b.Campaign))
	})
	r.ChannelMix = sortMix(mix)
	return r
}

// curve sums the cohorts' activity per month after the first order.
func curve(cohorts []Cohort) []RetentionPoint {
	var out []RetentionPoint
	for _, c := range cohorts {
		for k, a := range c.Active {
			for len(out) <= k {
				out = append(out, RetentionPoint{MonthsAfter: len(out)})
			}
			out[k].Eligible += c.Customers
			out[k].Active += a
		}
	}
	return out
}

func sortMix(by map[string]*kpi.ChannelContacts) []kpi.ChannelContacts {
	out := make([]kpi.ChannelContacts, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b kpi.ChannelContacts) int {
		return cmp.Or(cmp.Compare(b.Contacts, a.Contacts), b.Last.Compare(a.Last), cmp.Compare(a.Channel, b.Channel))
	})
	return out
}

// RepeatRate is RepeatBuyers / Buyers, false when nobody bought.
func (r *Report) RepeatRate() (float64, bool) {
	if r.Buyers == 0 {
		return 0, false
	}
	return float64(r.RepeatBuyers) / float64(r.Buyers), true
}

// EngagementMean is the mean engagement score, false without customers.
func (r *Report) EngagementMean() (float64, bool) {
	if r.Customers == 0 {
		return 0, false
	}
	return float64(r.EngagementSum) / float64(r.Customers), true
}

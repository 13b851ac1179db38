package kpi

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Windows of the figures that look at a period before the computation time.
const (
	// DefaultConversionWindow is how long after a campaign touch an order
	// still counts as a conversion, unless the caller chooses another.
	DefaultConversionWindow = 7 * 24 * time.Hour
	// TrendWindow is the length of each of the two periods a score trend
	// compares: the last 90 days and the 90 days before.
	TrendWindow = 90 * 24 * time.Hour
	// PreferredChannelPeriod is the period whose customer-initiated contacts
	// decide the preferred channel.
	PreferredChannelPeriod = 365 * 24 * time.Hour
)

// Attributes of an interaction that carry survey answers. A connector maps
// the system's rating onto them (see the demo configuration).
const (
	AttrCSAT = "csat" // satisfaction rating, an integer 1 to 5
	AttrNPS  = "nps"  // likelihood to recommend, an integer 0 to 10
	// AttrCampaign names the marketing campaign of an e-mail event.
	AttrCampaign = "campaign"
)

// Order is an order with the name of the source that returned it.
type Order struct {
	Source string
	connectors.Order
}

// Interaction is an interaction with the name of the source that returned
// it.
type Interaction struct {
	Source string
	connectors.Interaction
}

// Input is the data the figures rest on: every order and interaction of the
// customer that the sources returned.
type Input struct {
	Orders       []Order
	Interactions []Interaction
}

// Options are the computation's parameters.
type Options struct {
	// Now is when the figures are computed: the end of the trend and
	// preferred-channel periods. When zero, those windowed figures are left
	// empty.
	Now time.Time
	// ConversionWindow is how long after a campaign touch an order counts
	// as its conversion; DefaultConversionWindow when zero.
	ConversionWindow time.Duration
}

// Metrics are one customer's figures.
type Metrics struct {
	// OrderCount counts every order, whatever its status.
	OrderCount int
	// TotalSpent is one sum per currency, sorted by currency, of the orders
	// that count as spend (see Spent).
	TotalSpent []connectors.Money
	// Lifetime is the lifetime value per currency, sorted by currency.
	Lifetime []LifetimeValue
	// LastContact is the newest interaction that counts as a contact; nil
	// when there is none.
	LastContact *Interaction
	// FirstResponse is the time from the start of each answered
	// conversation or ticket to the company's first answer.
	FirstResponse Durations
	// Resolution is the time from the start of each resolved conversation
	// or ticket to its resolution.
	Resolution Durations
	// CSAT and NPS are the survey answers found in the interactions.
	CSAT Scores
	NPS  Scores
	// Conversion is which campaign touches an order followed.
	Conversion Conversion
	// ChannelMix counts the customer-initiated contacts of the preferred
	// channel period by channel, most first (see ChannelMix). Empty when
	// Options.Now is zero.
	ChannelMix []ChannelContacts
}

// PreferredChannel is the channel with the most customer-initiated contacts
// in the period, ties broken by the most recent contact; "" when there is
// none.
func (m *Metrics) PreferredChannel() string {
	if len(m.ChannelMix) == 0 {
		return ""
	}
	return m.ChannelMix[0].Channel
}

// notSpent are the order statuses that do not count as money spent.
var notSpent = map[string]bool{"refunded": true, "cancelled": true, "canceled": true, "voided": true}

// Spent reports whether an order counts as money spent: it has a currency
// and is not refunded, cancelled or voided. A partially refunded order
// counts in full: the systems do not say how much went back.
func Spent(o *connectors.Order) bool {
	return o.Total.Currency != "" && !notSpent[strings.ToLower(o.Status)]
}

// Compute is Calculate for data without source names and without a clock:
// the windowed figures (score trends, channel mix) are left empty.
func Compute(orders []connectors.Order, interactions []connectors.Interaction) Metrics {
	in := Input{Orders: make([]Order, len(orders)), Interactions: make([]Interaction, len(interactions))}
	for i, o := range orders {
		in.Orders[i] = Order{Order: o}
	}
	for i, it := range interactions {
		in.Interactions[i] = Interaction{Interaction: it}
	}
	return Calculate(in, Options{})
}

// Calculate derives the figures from the orders and interactions of all
// sources.
func Calculate(in Input, opts Options) Metrics {
	if opts.ConversionWindow <= 0 {
		opts.ConversionWindow = DefaultConversionWindow
	}
	var m Metrics
	m.OrderCount = len(in.Orders)
	m.Lifetime = lifetime(in.Orders)
	for _, lv := range m.Lifetime {
		m.TotalSpent = append(m.TotalSpent, lv.NetSpend)
	}
	for i := range in.Interactions {
		it := &in.Interactions[i]
		if isContact(&it.Interaction) && (m.LastContact == nil || newer(it, m.LastContact)) {
			m.LastContact = it
		}
		if !isConversation(&it.Interaction) {
			continue
		}
		if !it.FirstResponseAt.IsZero() && !it.FirstResponseAt.Before(it.OccurredAt) {
			m.FirstResponse.add(it.FirstResponseAt.Sub(it.OccurredAt))
		}
		if !it.ResolvedAt.IsZero() && !it.ResolvedAt.Before(it.OccurredAt) {
			m.Resolution.add(it.ResolvedAt.Sub(it.OccurredAt))
		}
	}
	m.CSAT = scores(in.Interactions, AttrCSAT, 1, 5, opts.Now)
	m.NPS = scores(in.Interactions, AttrNPS, 0, 10, opts.Now)
	m.Conversion = conversion(in, opts.ConversionWindow)
	if !opts.Now.IsZero() {
		m.ChannelMix = channelMix(in.Interactions, opts.Now)
	}
	return m
}

// newer orders interactions by time, then source and ID, so that the last
// contact does not depend on the order the sources answered in.
func newer(a, b *Interaction) bool {
	return cmp.Or(a.OccurredAt.Compare(b.OccurredAt), cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID)) > 0
}

// isContact: every interaction except marketing e-mails merely sent.
func isContact(it *connectors.Interaction) bool {
	return it.Type != connectors.TypeEmailSent
}

// IsConversation reports whether the interaction is a conversation or a
// ticket: the interactions with a first response and a resolution.
func IsConversation(it *connectors.Interaction) bool { return isConversation(it) }

// isConversation: the interactions that have a first response and a
// resolution.
func isConversation(it *connectors.Interaction) bool {
	return it.Type == connectors.TypeConversation || it.Type == connectors.TypeTicket
}

// Durations is a count of durations and their sum.
type Durations struct {
	N     int
	Total time.Duration
}

func (d *Durations) add(x time.Duration) { d.N++; d.Total += x }

// Merge adds o's durations to d.
func (d *Durations) Merge(o Durations) { d.N += o.N; d.Total += o.Total }

// Mean is the mean duration, false when there is none.
func (d Durations) Mean() (time.Duration, bool) {
	if d.N == 0 {
		return 0, false
	}
	return d.Total / time.Duration(d.N), true
}

// LifetimeValue is what a customer has spent in one currency to date.
type LifetimeValue struct {
	// NetSpend is the sum of the orders that count as spend.
	NetSpend connectors.Money
	// Orders is how many orders count as spend.
	Orders int
	// Average is NetSpend / Orders, rounded to the minor unit, halves away
	// from zero.
	Average connectors.Money
	// First and Last are the times of the first and last such order.
	First, Last time.Time
	// ActiveMonths is the number of distinct calendar months (UTC) in which
	// the customer placed such an order.
	ActiveMonths int
}

// lifetime computes the lifetime value per currency, sorted by currency.
func lifetime(orders []Order) []LifetimeValue {
	by := map[string]*LifetimeValue{}
	months := map[string]map[[2]int]bool{}
	for i := range orders {
		o := &orders[i].Order
		if !Spent(o) {
			continue
		}
		cur := o.Total.Currency
		lv := by[cur]
		if lv == nil {
			lv = &LifetimeValue{NetSpend: connectors.Money{Currency: cur}, First: o.PlacedAt, Last: o.PlacedAt}
			by[cur] = lv
			months[cur] = map[[2]int]bool{}
		}
		lv.NetSpend.Minor += o.Total.Minor
		lv.Orders++
		if o.PlacedAt.Before(lv.First) {
			lv.First = o.PlacedAt
		}
		if o.PlacedAt.After(lv.Last) {
			lv.Last = o.PlacedAt
		}
		t := o.PlacedAt.UTC()
		months[cur][[2]int{t.Year(), int(t.Month())}] = true
	}
	out := make([]LifetimeValue, 0, len(by))
	for cur, lv := range by {
		lv.Average = connectors.Money{Minor: divRound(lv.NetSpend.Minor, int64(lv.Orders)), Currency: cur}
		lv.ActiveMonths = len(months[cur])
		out = append(out, *lv)
	}
	slices.SortFunc(out, func(a, b LifetimeValue) int { return cmp.Compare(a.NetSpend.Currency, b.NetSpend.Currency) })
	if len(out) == 0 {
		return nil
	}
	return out
}

// divRound divides, rounding halves away from zero; n must be positive.
func divRound(x, n int64) int64 {
	if x < 0 {
		return -divRound(-x, n)
	}
	return (2*x + n) / (2 * n)
}

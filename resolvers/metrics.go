package resolvers

import (
	"context"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/analytics"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/kpi"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/store"
)

// Bounds of the metrics arguments; the schema's descriptions state them.
const (
	defaultConversionDays = 7
	maxConversionDays     = 90
	defaultSegmentMembers = 200
	maxSegmentMembers     = 500
)

// conversionDays checks a conversionWindowDays argument.
func conversionDays(days *int) (int, error) {
	if days == nil {
		return defaultConversionDays, nil
	}
	if *days < 1 || *days > maxConversionDays {
		return 0, apperr.Input("conversionWindowDays must be between 1 and %d", maxConversionDays)
	}
	return *days, nil
}

// metricsData is what one customer's figures rest on, as the sources
// answered.
type metricsData struct {
	in                                   kpi.Input
	ordersComplete, interactionsComplete bool
}

// pendingMetrics are the issued reads of one customer's figures.
type pendingMetrics struct {
	orders       *pendingFetch[connectors.Order]
	interactions *pendingFetch[connectors.Interaction]
}

// wait collects every source's answer, tagged with its name; failing
// sources are reported through fails, once each.
func (p pendingMetrics) wait(ctx context.Context, fails *failures) metricsData {
	var d metricsData
	d.in.Orders, d.ordersComplete = tagged(ctx, fails, p.orders.wait(), func(src string, o connectors.Order) kpi.Order {
		return kpi.Order{Source: src, Order: o}
	})
	d.in.Interactions, d.interactionsComplete = tagged(ctx, fails, p.interactions.wait(), func(src string, it connectors.Interaction) kpi.Interaction {
		return kpi.Interaction{Source: src, Interaction: it}
	})
	return d
}

// tagged is collect with each item tagged with its source's name.
func tagged[T, U any](ctx context.Context, fails *failures, all []fetched[T], tag func(string, T) U) ([]U, bool) {
	n := 0
	for _, f := range all {
		n += len(f.items)
	}
	items := make([]U, 0, n)
	whole := true
	for _, f := range all {
		if f.err != nil {
			fails.add(ctx, f.src.Name(), f.err)
			whole = false
			continue
		}
		whole = whole && len(f.items) < f.w.Limit
		for _, it := range f.items {
			items = append(items, tag(f.src.Name(), it))
		}
	}
	return items, whole
}

// customerMetrics computes one customer's figures.
func (r *Resolver) customerMetrics(ctx context.Context, obj *model.Customer, windowDays *int) (*model.CustomerMetrics, error) {
	days, err := conversionDays(windowDays)
	if err != nil {
		return nil, err
	}
	type reads struct {
		metrics  pendingMetrics
		activity dataloader.Thunk[[]store.Activity]
	}
	p, err := perCustomer(ctx, obj, func(customerID string, keys map[string][]string) reads {
		rd := reads{metrics: r.startMetrics(ctx, keys)}
		if r.reader() != nil {
			rd.activity = loaders.From(ctx).Activities(ctx, loaders.NewActivityKey(customerID, connectors.Window{Limit: analytics.MaxEvents}, nil, nil))
		}
		return rd
	})
	if err != nil {
		return nil, err
	}
	var fails failures
	d := p.metrics.wait(ctx, &fails)
	// The events Harmony stored count too, live: the ones a system's API
	// serves as well count once.
	var events []analytics.Event
	if p.activity != nil {
		acts, err := p.activity()
		if err != nil {
			fails.add(ctx, harmonySource, err)
			d.interactionsComplete = false
		}
		events = analytics.StoredEvents(d.in.Interactions, acts)
	}
	facts := analytics.FactsOf(d.in)
	for _, e := range events {
		facts.Apply(e)
		d.in.Interactions = append(d.in.Interactions, e.Interaction)
	}
	now := r.now()
	m := kpi.Calculate(d.in, kpi.Options{Now: now, ConversionWindow: time.Duration(days) * 24 * time.Hour})
	out := toCustomerMetrics(&m, d, now, days)
	customerAnalytics(out, facts, now)
	return out, nil
}

// segmentMetrics aggregates the figures of a segment's first members by ID:
// their identities in one store batch, then their orders and interactions
// in one batch per source and capability (every read is issued before the
// first wait sends them).
func (r *Resolver) segmentMetrics(ctx context.Context, seg *model.Segment, maxMembers, windowDays *int) (*model.SegmentMetrics, error) {
	limit := defaultSegmentMembers
	if maxMembers != nil {
		if *maxMembers < 1 || *maxMembers > maxSegmentMembers {
			return nil, apperr.Input("maxMembers must be between 1 and %d", maxSegmentMembers)
		}
		limit = *maxMembers
	}
	days, err := conversionDays(windowDays)
	if err != nil {
		return nil, err
	}
	f, err := fromSegmentFilter(seg.Filter)
	if err != nil {
		return nil, err
	}
	total, err := r.count(ctx, f)
	if err != nil {
		return nil, err
	}
	list, err := r.Store.SearchCustomers(ctx, f, "", limit+1)
	if err != nil {
		return nil, apperr.Store(err)
	}
	capped := len(list) > limit
	list = list[:min(limit, len(list))]

	l := loaders.From(ctx)
	ids := make([]func() ([]store.Identity, error), len(list))
	for i := range list {
		ids[i] = l.Identities(ctx, list[i].ID)
	}
	keys := make([]map[string][]string, len(list))
	for i, wait := range ids {
		found, err := wait()
		if err != nil {
			return nil, apperr.Store(err)
		}
		keys[i] = keysOf(found)
	}

	pending := make([]pendingMetrics, len(list))
	activity := make([]dataloader.Thunk[[]store.Activity], len(list))
	for i, k := range keys {
		pending[i] = r.startMetrics(ctx, k)
		if r.reader() != nil {
			activity[i] = l.Activities(ctx, loaders.NewActivityKey(list[i].ID, connectors.Window{Limit: analytics.MaxEvents}, nil, nil))
		}
	}

	now := r.now()
	opts := kpi.Options{Now: now, ConversionWindow: time.Duration(days) * 24 * time.Hour}
	var fails failures
	complete := !capped
	ms := make([]kpi.Metrics, len(pending))
	for i, p := range pending {
		d := p.wait(ctx, &fails)
		// The events Harmony stored count as in each member's own
		// metrics (customerMetrics).
		if activity[i] != nil {
			acts, err := activity[i]()
			if err != nil {
				fails.add(ctx, harmonySource, err)
				d.interactionsComplete = false
			}
			for _, e := range analytics.StoredEvents(d.in.Interactions, acts) {
				d.in.Interactions = append(d.in.Interactions, e.Interaction)
			}
		}
		complete = complete && d.ordersComplete && d.interactionsComplete
		ms[i] = kpi.Calculate(d.in, opts)
	}
	return toSegmentMetrics(kpi.Aggregate(ms), total, capped, complete, now, days), nil
}

func toCustomerMetrics(m *kpi.Metrics, d metricsData, now time.Time, days int) *model.CustomerMetrics {
	out := &model.CustomerMetrics{
		OrderCount:                  m.OrderCount,
		TotalSpent:                  make([]model.Money, len(m.TotalSpent)),
		LifetimeValue:               make([]model.LifetimeValue, len(m.Lifetime)),
		ChannelMix:                  toChannelMix(m.ChannelMix),
		AnsweredConversations:       m.FirstResponse.N,
		ResolvedConversations:       m.Resolution.N,
		AverageFirstResponseSeconds: meanSeconds(m.FirstResponse),
		AverageResolutionSeconds:    meanSeconds(m.Resolution),
		Csat:                        toScoreSummary(&m.CSAT),
		Nps:                         toScoreSummary(&m.NPS),
		Conversion:                  toConversion(&m.Conversion, days),
		ComputedAt:                  now,
		OrdersComplete:              d.ordersComplete,
		InteractionsComplete:        d.interactionsComplete,
		Complete:                    d.ordersComplete && d.interactionsComplete,
	}
	for i, s := range m.TotalSpent {
		out.TotalSpent[i] = toMoney(s)
	}
	for i, lv := range m.Lifetime {
		out.LifetimeValue[i] = model.LifetimeValue{
			Currency:          lv.NetSpend.Currency,
			NetSpend:          toMoney(lv.NetSpend),
			Orders:            lv.Orders,
			AverageOrderValue: toMoney(lv.Average),
			FirstOrderAt:      lv.First.UTC(),
			LastOrderAt:       lv.Last.UTC(),
			ActiveMonths:      lv.ActiveMonths,
		}
	}
	if m.LastContact != nil {
		c := toChannel(m.LastContact.Channel)
		out.LastContactChannel = &c
		out.LastContactAt = timePtr(m.LastContact.OccurredAt)
	}
	if p := m.PreferredChannel(); p != "" {
		c := toChannel(p)
		out.PreferredChannel = &c
	}
	return out
}

func meanSeconds(d kpi.Durations) *float64 {
	mean, ok := d.Mean()
	if !ok {
		return nil
	}
	s := mean.Seconds()
	return &s
}

func floatPtr(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &v
}

func toChannelMix(mix []kpi.ChannelContacts) []model.ChannelContacts {
	out := make([]model.ChannelContacts, len(mix))
	for i, c := range mix {
		out[i] = model.ChannelContacts{Channel: toChannel(c.Channel), Contacts: c.Contacts, Share: kpi.Share(c, mix), LastContactAt: c.Last.UTC()}
	}
	return out
}

func toScoreSummary(s *kpi.Scores) model.ScoreSummary {
	out := model.ScoreSummary{Scores: make([]model.DatedScore, len(s.All)), Count: len(s.All)}
	for i, sc := range s.All {
		out.Scores[i] = model.DatedScore{Score: sc.Value, At: sc.At.UTC(), Source: sc.Source, InteractionID: sc.InteractionID}
	}
	if len(out.Scores) > 0 {
		out.Latest = &out.Scores[0]
	}
	out.Mean = floatPtr(s.Total().Mean())
	out.Last90DaysMean = floatPtr(s.Recent.Mean())
	out.Previous90DaysMean = floatPtr(s.Previous.Mean())
	out.Trend = floatPtr(s.Trend())
	return out
}

func toConversion(c *kpi.Conversion, days int) model.CampaignConversion {
	out := model.CampaignConversion{
		WindowDays:         days,
		TouchedCampaigns:   len(c.Touches),
		ConvertedCampaigns: c.Converted,
		Rate:               floatPtr(c.Rate()),
		Campaigns:          make([]model.CampaignTouch, len(c.Touches)),
	}
	for i, t := range c.Touches {
		ct := model.CampaignTouch{CampaignID: t.Campaign, Title: strPtr(t.Title), Source: t.Source, TouchedAt: t.TouchedAt.UTC(), Converted: t.Order != nil}
		if o := t.Order; o != nil {
			ct.Order = &model.ConvertingOrder{ID: o.ID, Source: o.Source, PlacedAt: o.PlacedAt.UTC(), Total: toMoney(o.Total)}
		}
		out.Campaigns[i] = ct
	}
	return out
}

func toSegmentMetrics(s kpi.Segment, members int, capped, complete bool, now time.Time, days int) *model.SegmentMetrics {
	out := &model.SegmentMetrics{
		Members:                     members,
		Customers:                   s.Customers,
		Capped:                      capped,
		Buyers:                      s.Buyers,
		OrderCount:                  s.OrderCount,
		TotalSpent:                  make([]model.Money, len(s.TotalSpent)),
		MeanSpent:                   make([]model.Money, len(s.TotalSpent)),
		AverageFirstResponseSeconds: meanSeconds(s.FirstResponse),
		AverageResolutionSeconds:    meanSeconds(s.Resolution),
		Csat: model.SegmentCsat{
			Ratings:        s.CSAT.N,
			Mean:           floatPtr(s.CSAT.Mean()),
			SatisfiedShare: floatPtr(s.SatisfiedShare()),
		},
		Nps: model.SegmentNps{
			Respondents: s.NPS.N,
			Promoters:   s.Promoters,
			Passives:    s.Passives,
			Detractors:  s.Detractors,
			Mean:        floatPtr(s.NPS.Mean()),
			Score:       floatPtr(s.NetPromoterScore()),
		},
		Conversion: model.SegmentConversion{
			WindowDays:         days,
			TouchedCampaigns:   s.Touched,
			ConvertedCampaigns: s.Converted,
			Rate:               floatPtr(s.ConversionRate()),
		},
		ChannelMix: toChannelMix(s.ChannelMix),
		ComputedAt: now,
		Complete:   complete,
	}
	for i, m := range s.TotalSpent {
		out.TotalSpent[i] = toMoney(connectors.Money{Minor: m.Total, Currency: m.Currency})
		out.MeanSpent[i] = toMoney(connectors.Money{Minor: m.Mean, Currency: m.Currency})
	}
	return out
}

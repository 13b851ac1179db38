package resolvers

import (
	"context"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/analytics"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/store"
)

// membersPage is how many segment members one store read returns when the
// analytics list a segment's members (IDs only matter).
const membersPage = 5000

// queryAnalytics answers Query.analytics: every customer, or a saved
// segment's members.
func (r *Resolver) queryAnalytics(ctx context.Context, segmentID *string, windowDays *int) (*model.Analytics, error) {
	if segmentID == nil {
		return r.populationAnalytics(ctx, nil, windowDays)
	}
	seg, err := r.Store.Segment(ctx, *segmentID)
	if err != nil {
		return nil, apperr.Store(err)
	}
	if seg == nil {
		return nil, apperr.Coded(apperr.CodeNotFound, "no such segment")
	}
	return r.populationAnalytics(ctx, &seg.Filter, windowDays)
}

// segmentAnalytics answers Segment.analytics.
func (r *Resolver) segmentAnalytics(ctx context.Context, seg *model.Segment, windowDays *int) (*model.Analytics, error) {
	f, err := fromSegmentFilter(seg.Filter)
	if err != nil {
		return nil, err
	}
	return r.populationAnalytics(ctx, &f, windowDays)
}

// populationAnalytics computes the figures over every customer (f nil) or
// every customer matching f, from the projection: the store is read for
// the members' IDs only.
func (r *Resolver) populationAnalytics(ctx context.Context, f *store.Filter, windowDays *int) (*model.Analytics, error) {
	days, err := conversionDays(windowDays)
	if err != nil {
		return nil, err
	}
	p := r.Analytics
	if p == nil {
		p = analytics.NewProjection()
	}
	var snap analytics.Snapshot
	if f == nil {
		snap = p.Snapshot(nil, true)
	} else {
		ids, err := r.memberIDs(ctx, *f)
		if err != nil {
			return nil, err
		}
		snap = p.Snapshot(ids, false)
	}
	now := r.now()
	rep := analytics.Analyze(snap.Facts, analytics.Options{Now: now, ConversionWindow: time.Duration(days) * 24 * time.Hour})
	return toAnalytics(&rep, &snap, now, days), nil
}

// memberIDs lists every customer matching f, a page at a time.
func (r *Resolver) memberIDs(ctx context.Context, f store.Filter) ([]string, error) {
	var ids []string
	after := ""
	for {
		page, err := r.Store.SearchCustomers(ctx, f, after, membersPage)
		if err != nil {
			return nil, apperr.Store(err)
		}
		for _, c := range page {
			ids = append(ids, c.ID)
		}
		if len(page) < membersPage {
			return ids, nil
		}
		after = page[len(page)-1].ID
	}
}

func toAnalytics(rep *analytics.Report, snap *analytics.Snapshot, now time.Time, days int) *model.Analytics {
	out := &model.Analytics{
		Customers:              rep.Customers,
		Buyers:                 rep.Buyers,
		RepeatBuyers:           rep.RepeatBuyers,
		RepeatPurchaseRate:     floatPtr(rep.RepeatRate()),
		Cohorts:                make([]model.Cohort, len(rep.Cohorts)),
		Retention:              toRetention(rep.Retention),
		Churn:                  model.ChurnDistribution{Low: rep.Churn[analytics.RiskLow], Medium: rep.Churn[analytics.RiskMedium], High: rep.Churn[analytics.RiskHigh]},
		Engagement:             model.EngagementSummary{Mean: floatPtr(rep.EngagementMean()), Bands: rep.EngagementBands[:]},
		Csat:                   model.SegmentCsat{Ratings: rep.CSAT.N, Mean: floatPtr(rep.CSAT.Mean())},
		Nps:                    toSegmentNps(rep.NPS),
		NpsTrend:               make([]model.NpsMonth, len(rep.NPSTrend)),
		FirstResponseByChannel: make([]model.ChannelResponse, len(rep.FirstResponse)),
		ConversionByCampaign:   make([]model.CampaignFigures, len(rep.Campaigns)),
		ConversionWindowDays:   days,
		ChannelMix:             toChannelMix(rep.ChannelMix),
		Freshness: model.AnalyticsFreshness{
			ComputedAt:       now,
			BuiltAt:          timePtr(snap.BuiltAt),
			EventsSinceBuild: snap.Live,
			StoredEvents:     rep.Events,
			LastEventAt:      timePtr(rep.LastEventAt),
			FailedSources:    append([]string{}, snap.Failed...),
			MissingCustomers: snap.Missing,
			Complete:         !snap.BuiltAt.IsZero() && len(snap.Failed) == 0 && snap.Missing == 0,
		},
	}
	if rep.CSAT.N > 0 {
		share := float64(rep.Satisfied) / float64(rep.CSAT.N)
		out.Csat.SatisfiedShare = &share
	}
	for i, c := range rep.Cohorts {
		pts := make([]analytics.RetentionPoint, len(c.Active))
		for k, a := range c.Active {
			pts[k] = analytics.RetentionPoint{MonthsAfter: k, Eligible: c.Customers, Active: a}
		}
		out.Cohorts[i] = model.Cohort{Month: c.Month.String(), Customers: c.Customers, Retention: toRetention(pts)}
	}
	for i, m := range rep.NPSTrend {
		score, _ := m.Score()
		out.NpsTrend[i] = model.NpsMonth{Month: m.Month.String(), Respondents: m.N, Promoters: m.Promoters, Passives: m.Passives, Detractors: m.Detractors, Score: score}
	}
	for i, c := range rep.FirstResponse {
		mean, _ := c.Mean()
		out.FirstResponseByChannel[i] = model.ChannelResponse{Channel: toChannel(c.Channel), Answered: c.N, AverageSeconds: mean.Seconds()}
	}
	for i, c := range rep.Campaigns {
		out.ConversionByCampaign[i] = model.CampaignFigures{CampaignID: c.Campaign, Source: c.Source, Touched: c.Touched, Converted: c.Converted,
			Rate: float64(c.Converted) / float64(c.Touched)}
	}
	return out
}

func toRetention(pts []analytics.RetentionPoint) []model.RetentionPoint {
	out := make([]model.RetentionPoint, len(pts))
	for i, p := range pts {
		rate := 0.0
		if p.Eligible > 0 {
			rate = float64(p.Active) / float64(p.Eligible)
		}
		out[i] = model.RetentionPoint{MonthsAfter: p.MonthsAfter, Customers: p.Eligible, Active: p.Active, Rate: rate}
	}
	return out
}

func toSegmentNps(n analytics.NPSCount) model.SegmentNps {
	return model.SegmentNps{
		Respondents: n.N, Promoters: n.Promoters, Passives: n.Passives, Detractors: n.Detractors,
		Mean: floatPtr(n.Mean()), Score: floatPtr(n.Score()),
	}
}

// customerAnalytics adds a customer's churn risk and engagement to its
// metrics, from the same data the metrics rest on.
func customerAnalytics(out *model.CustomerMetrics, f *analytics.Facts, now time.Time) {
	if c, ok := f.Churn(now); ok {
		cr := &model.ChurnRisk{
			Level: model.ChurnLevel(c.Level), Risk: c.Risk, Recency: c.Recency, Frequency: c.Frequency, Monetary: c.Monetary,
			DaysSinceLastOrder: c.DaysSinceLastOrder, OrdersLastYear: c.OrdersLastYear,
		}
		if c.Currency != "" {
			m := toMoney(connectors.Money{Minor: c.SpendLastYear, Currency: c.Currency})
			cr.SpendLastYear = &m
		}
		out.ChurnRisk = cr
	}
	e := f.Engagement(now)
	out.Engagement = model.Engagement{Score: e.Score, RecencyPoints: e.RecencyPoints, FrequencyPoints: e.FrequencyPoints, ContactsLastYear: e.ContactsLastYear}
	if e.DaysSinceContact >= 0 {
		d := e.DaysSinceContact
		out.Engagement.DaysSinceLastContact = &d
	}
	out.StoredEvents = f.Events
	out.LastStoredEventAt = timePtr(f.LastEventAt)
}

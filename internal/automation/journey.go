package automation

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
)

// Skip reasons, as runs record them and counters name them.
const (
	ReasonSegment     = "segment"
	ReasonMetric      = "metric"
	ReasonConsent     = "consent"
	ReasonCap         = "cap"
	ReasonUnreachable = "unreachable"
	ReasonFailed      = "failed"
	ReasonCustomer    = "customer_gone"
	ReasonDisabled    = "disabled"
)

// matchEvent reports whether e triggers j.
func matchEvent(j config.JourneyRule, e bus.Event) bool {
	t := j.Trigger.Event
	if t == nil || j.Disabled || e.CustomerID == "" {
		return false
	}
	if (t.Connector != "" && t.Connector != e.Connector) || (t.Type != "" && t.Type != e.Type) {
		return false
	}
	in := e.Interaction
	if t.Channel != "" || t.InteractionType != "" || len(t.Attributes) > 0 || t.Score != nil {
		if in == nil {
			return false
		}
	}
	if in == nil {
		return true
	}
	if (t.Channel != "" && !strings.EqualFold(t.Channel, in.Channel)) || (t.InteractionType != "" && !strings.EqualFold(t.InteractionType, in.Type)) {
		return false
	}
	for k, v := range t.Attributes {
		if in.Attributes[k] != v {
			return false
		}
	}
	if s := t.Score; s != nil {
		v, err := strconv.ParseFloat(strings.TrimSpace(in.Attributes[s.Attribute]), 64)
		if err != nil || (s.Min != nil && v < *s.Min) || (s.Max != nil && v > *s.Max) {
			return false
		}
	}
	return true
}

// purpose is the action's consent purpose.
func purpose(j config.JourneyRule) string {
	if j.Action.Purpose == "" {
		return "marketing"
	}
	return j.Action.Purpose
}

// metricValue is a figure of the customer from its search projection; ok
// is false when the customer has none (never indexed, or no order for
// days_since_last_order).
func metricValue(name string, p *store.SearchProjection, now time.Time) (float64, bool) {
	if p == nil {
		return 0, false
	}
	switch {
	case name == config.MetricOrders:
		return float64(p.OrderCount), true
	case name == config.MetricDaysSinceLastOrder:
		if p.LastOrderAt == nil {
			return 0, false
		}
		return now.Sub(*p.LastOrderAt).Hours() / 24, true
	case strings.HasPrefix(name, "spend:"):
		return p.Spend[strings.TrimPrefix(name, "spend:")], true
	}
	return 0, false
}

func compare(v float64, op string, t float64) bool {
	switch op {
	case "<":
		return v < t
	case "<=":
		return v <= t
	case ">":
		return v > t
	case ">=":
		return v >= t
	case "==":
		return v == t
	}
	return false
}

// inSegment applies a saved segment's conditions on the search projection
// (systems, orders, spend); it reports false for a customer never indexed.
func inSegment(f store.Filter, p *store.SearchProjection) bool {
	if p == nil {
		return false
	}
	for _, sys := range f.InSystems {
		if !slices.Contains(p.Systems, sys) {
			return false
		}
	}
	if f.OrderedSince != nil && (p.LastOrderAt == nil || p.LastOrderAt.Before(*f.OrderedSince)) {
		return false
	}
	if f.MinOrders != nil && p.OrderCount < *f.MinOrders {
		return false
	}
	if f.MinSpend != nil && p.Spend[f.MinSpend.Currency] < f.MinSpend.Value {
		return false
	}
	return true
}

// quietUntil returns when the quiet hours around now end, and whether now
// is inside them, in loc.
func quietUntil(q config.QuietHours, loc *time.Location, now time.Time) (time.Time, bool) {
	start, end := clock(q.Start), clock(q.End)
	local := now.In(loc)
	m := local.Hour()*60 + local.Minute()
	in := (start < end && m >= start && m < end) || (start > end && (m >= start || m < end))
	if !in {
		return time.Time{}, false
	}
	until := time.Date(local.Year(), local.Month(), local.Day(), end/60, end%60, 0, 0, loc)
	if !until.After(local) {
		until = time.Date(local.Year(), local.Month(), local.Day()+1, end/60, end%60, 0, 0, loc)
	}
	return until, true
}

func clock(hhmm string) int {
	h, _ := strconv.Atoi(hhmm[:2])
	m, _ := strconv.Atoi(hhmm[3:])
	return h*60 + m
}

// timeZone is the customer's time zone: from the calling code of its
// phone number (the longest prefix of PhoneTimeZones), else the default.
func timeZone(q config.QuietHours, phones []string) *time.Location {
	best, zone := 0, q.TimeZone
	for _, ph := range phones {
		for prefix, tz := range q.PhoneTimeZones {
			if strings.HasPrefix(ph, prefix) && len(prefix) > best {
				best, zone = len(prefix), tz
			}
		}
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.UTC
	}
	return loc
}

package resolvers

import (
	"context"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/sources"
)

// staleness marks what an operation answered stale: values its system did
// not give for this answer because it failed, served instead from the read
// cache or the last good values (the guard reports them per native key in
// the operation's sources.StaleReport). Such a value says so in the data
// (`stale`, `fetchedAt`), never passing for fresh.
type staleness struct{ r *sources.StaleReport }

func stalenessOf(ctx context.Context) staleness { return staleness{sources.StaleReportFrom(ctx)} }

// at reports when the value of key that source's capability c answered
// was read, if it was served stale.
func (s staleness) at(source string, c connectors.Capability, key string) (time.Time, bool) {
	sv, ok := s.r.Lookup(source, c, key)
	if !ok || !sv.Stale {
		return time.Time{}, false
	}
	return sv.At, true
}

// served reports when the value of key was read, if it was not read for
// this answer (the read cache, or stale), and whether it is stale.
func (s staleness) served(source string, c connectors.Capability, key string) (sources.Served, bool) {
	return s.r.Lookup(source, c, key)
}

// order maps an order, marked when served stale.
func (s staleness) order(source string, o connectors.Order) model.Order {
	out := toOrder(source, o)
	if at, ok := s.at(source, connectors.CapOrders, o.CustomerKey); ok {
		out.Stale, out.FetchedAt = true, timePtr(at)
	}
	return out
}

// interaction maps an interaction, marked when served stale.
func (s staleness) interaction(source string, it connectors.Interaction) model.Interaction {
	out := toInteraction(source, it)
	if at, ok := s.at(source, connectors.CapInteractions, it.CustomerKey); ok {
		out.Stale, out.FetchedAt = true, timePtr(at)
	}
	return out
}

// entry marks a timeline entry served stale.
func (s staleness) entry(e *model.TimelineEntry, o *connectors.Order, it *connectors.Interaction) {
	var at time.Time
	var ok bool
	switch {
	case o != nil:
		at, ok = s.at(e.Source, connectors.CapOrders, o.CustomerKey)
	case it != nil:
		at, ok = s.at(e.Source, connectors.CapInteractions, it.CustomerKey)
	}
	if !ok {
		return
	}
	e.Stale, e.FetchedAt = true, timePtr(at)
	switch p := e.Payload.(type) {
	case model.Order:
		p.Stale, p.FetchedAt = true, timePtr(at)
		e.Payload = p
	case model.Interaction:
		p.Stale, p.FetchedAt = true, timePtr(at)
		e.Payload = p
	}
}

// since returns when the oldest value served stale for f's keys was read,
// false when none was: f's source answered fresh.
func since[T any](s staleness, f fetched[T], c connectors.Capability) (time.Time, bool) {
	var oldest time.Time
	found := false
	for _, k := range f.keys {
		if at, ok := s.at(f.src.Name(), c, k); ok && (!found || at.Before(oldest)) {
			oldest, found = at, true
		}
	}
	return oldest, found
}

// staleGaps lists, as gaps with reason STALE, the sources a timeline page
// answered stale (whose read did not fail outright: those are FAILED
// gaps already).
func staleGaps[T any](s staleness, all []fetched[T], c connectors.Capability) []model.TimelineGap {
	var out []model.TimelineGap
	for _, f := range all {
		if f.err != nil {
			continue
		}
		if at, ok := since(s, f, c); ok {
			code := string(s.r.Code(f.src.Name(), c))
			out = append(out, model.TimelineGap{Source: f.src.Name(), Capability: string(c), Code: code,
				Reason: model.TimelineGapReasonStale, FetchedAt: timePtr(at)})
		}
	}
	return out
}

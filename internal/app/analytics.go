package app

import (
	"context"
	"time"

	"github.com/harmonyhq/harmony/internal/analytics"
	"github.com/harmonyhq/harmony/internal/bus"
)

// startAnalytics makes the analytics projection and applies to it every
// webhook event the bus carries (this replica's and, on NATS, the
// others'), so that a stored event counts in the figures on the next read.
// The subscription ends when the bus closes.
func (g *Gateway) startAnalytics() {
	g.Analytics = analytics.NewProjection()
	events, _ := g.Bus.Subscribe(context.Background(), bus.Filter{})
	go func() {
		for e := range events {
			if id, ev, ok := analytics.FromBus(e); ok {
				g.Analytics.Apply(id, ev)
			}
		}
	}()
}

// project builds the analytics projection after an identity sync and the
// search index pass: every customer's facts read again from the systems.
// A failure keeps the previous projection and is only logged.
func (g *Gateway) project(ctx context.Context) {
	start := time.Now()
	b := &analytics.Builder{Store: g.Store, Sources: g.Sources, Projection: g.Analytics, Log: g.log}
	rep, err := b.Build(ctx)
	if err != nil {
		if ctx.Err() == nil {
			g.log.Warn("analytics projection failed; figures use the previous one", "error", err.Error())
		}
		return
	}
	g.log.Info("analytics projection done", "customers", rep.Customers, "pages", rep.Pages, "failed_sources", rep.Failed,
		"duration_ms", time.Since(start).Milliseconds())
}

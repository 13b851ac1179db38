package app

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/internal/analytics"
	"github.com/harmonyhq/harmony/internal/bus"
)

// analyticsParts are the analytics projection's moving parts.
type analyticsParts struct {
	stop context.CancelFunc
	mu   sync.Mutex
	// changed are the customers the store changed since the last refresh.
	changed map[string]bool
	wake    chan struct{}
}

// startAnalytics makes the analytics projection and keeps it current
// between builds: every webhook event the bus carries (this replica's and,
// on NATS, the others') is applied to it, so that a stored event counts in
// the figures on the next read; customers the store changed (merged,
// erased, linked) are refreshed in the background. Both end when the
// gateway closes.
func (g *Gateway) startAnalytics() {
	g.Analytics = analytics.NewProjection()
	ctx, stop := context.WithCancel(context.Background())
	g.analytics = &analyticsParts{stop: stop, changed: map[string]bool{}, wake: make(chan struct{}, 1)}
	events, _ := g.Bus.Subscribe(ctx, bus.Filter{})
	go func() {
		for e := range events {
			if id, ev, ok := analytics.FromBus(e); ok {
				g.Analytics.Apply(id, ev)
			}
		}
	}()
	g.Bus.OnInvalidate(func(inv bus.Invalidation) {
		if len(inv.CustomerIDs) == 0 {
			return // everything: the next build reads it again
		}
		a := g.analytics
		a.mu.Lock()
		for _, id := range inv.CustomerIDs {
			a.changed[id] = true
		}
		a.mu.Unlock()
		select { // handlers must not block
		case a.wake <- struct{}{}:
		default:
		}
	})
	go func() {
		b := g.analyticsBuilder()
		for {
			select {
			case <-ctx.Done():
				return
			case <-g.analytics.wake:
			}
			a := g.analytics
			a.mu.Lock()
			ids := slices.Sorted(maps.Keys(a.changed))
			a.changed = map[string]bool{}
			a.mu.Unlock()
			if err := b.Refresh(ctx, ids); err != nil && ctx.Err() == nil {
				g.log.Warn("figures projection: refresh of changed customers failed; the next build reads them again", "customers", len(ids), "error", err.Error())
			}
		}
	}()
}

// stopAnalytics ends the refreshes.
func (g *Gateway) stopAnalytics() {
	if g.analytics != nil {
		g.analytics.stop()
	}
}

func (g *Gateway) analyticsBuilder() *analytics.Builder {
	return &analytics.Builder{Store: g.Store, Sources: g.Sources, Projection: g.Analytics, Log: g.log}
}

// project builds the analytics projection after an identity sync and the
// search index pass: every customer's facts read again from the systems.
// A failure keeps the previous projection and is only logged.
func (g *Gateway) project(ctx context.Context) {
	start := time.Now()
	rep, err := g.analyticsBuilder().Build(ctx)
	if err != nil {
		if ctx.Err() == nil {
			g.log.Warn("figures projection failed; the figures keep the previous one", "error", err.Error())
		}
		return
	}
	g.log.Info("figures projection done", "customers", rep.Customers, "pages", rep.Pages, "failed_sources", rep.Failed,
		"duration_ms", time.Since(start).Milliseconds())
}

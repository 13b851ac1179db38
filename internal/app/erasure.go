package app

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/suppress"
)

// openSuppression opens the suppression list of erased people. A
// configured salt that is not the one the list was written with stops
// startup: the list would match nobody. Without one, the salt the first
// replica generated is read from the store, and a warning says so.
func (g *Gateway) openSuppression(ctx context.Context, cfg *config.Config) error {
	list, generated, err := suppress.Open(ctx, g.Store, cfg.Privacy.SuppressionSalt.Reveal())
	if errors.Is(err, suppress.ErrSaltMismatch) {
		return &config.Error{File: cfg.File, Key: "privacy.suppression_salt",
			Reason: err.Error() + ": set the salt it was written with (or, on a store whose list is empty, any)"}
	}
	if err != nil {
		return fmt.Errorf("suppression list: %w", err)
	}
	g.Suppression = list
	if generated {
		g.log.Warn("privacy: no privacy.suppression_salt configured; the salt of the suppression list is kept in the profile store, beside the list: configure one (a secret) to keep them apart",
			"suppressed", list.Len())
	}
	return nil
}

// connectErasures makes every replica purge what an erasure's keys left in
// its caches, and reload the suppression list when another replica added
// to it (or its messages may have been lost).
func (g *Gateway) connectErasures() {
	g.Bus.OnInvalidate(func(inv bus.Invalidation) {
		for connector, ids := range inv.Purge {
			if src, ok := g.Sources.Get(connector); ok {
				src.Purge(ids)
			}
			if g.observe.cache != nil {
				n, err := g.observe.cache.Purge(context.Background(), connector, ids)
				g.metrics.CacheInvalidated(connector, n, err)
			}
		}
		if inv.Suppressions || inv.All {
			// Handlers must not block: the list is read aside.
			go func() {
				if err := g.Suppression.Reload(context.Background()); err != nil {
					g.log.Warn("suppression list: reload failed; the next one catches up", "error", err.Error())
				}
			}()
		}
	})
}

// PurgeKeys drops the cached reads and last good values of native keys,
// by connector, on every replica: the shared cache (Redis) by key from
// here, each replica's own (memory, last good values) through the bus by
// the keys' salted hashes. An erasure calls it.
func (g *Gateway) PurgeKeys(ctx context.Context, keys map[string][]string) error {
	ids := map[string][]string{}
	var errs []error
	for connector, list := range keys {
		if len(list) == 0 {
			continue
		}
		for _, k := range list {
			ids[connector] = append(ids[connector], g.Suppression.PurgeID(connector, k))
		}
		if g.observe.cache != nil {
			if n, err := g.observe.cache.Invalidate(ctx, connector, slices.Clone(list)); err != nil {
				g.metrics.CacheInvalidated(connector, 0, err)
				errs = append(errs, fmt.Errorf("invalidate the cache of %s: %w", connector, err))
			} else {
				g.metrics.CacheInvalidated(connector, n, nil)
			}
		}
	}
	if len(ids) == 0 {
		return errors.Join(errs...)
	}
	if err := g.Bus.Invalidate(ctx, bus.Invalidation{Purge: ids}); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// announceSuppressions tells the other replicas that the suppression list
// grew.
func (g *Gateway) announceSuppressions(ctx context.Context) error {
	return g.Bus.Invalidate(ctx, bus.Invalidation{Suppressions: true})
}

// suppressedEvent reports whether a webhook event names an erased person:
// its native key, or its identifier, normalised, is on the suppression
// list. Such an event is neither stored nor published.
func (g *Gateway) suppressedEvent(connector string, e connectors.Event) bool {
	if e.CustomerKey != "" && g.Suppression.Key(connector, e.CustomerKey) {
		return true
	}
	if e.Identifier.Value == "" {
		return false
	}
	v, err := g.Linker.Policy.NormalizeFor(connector, e.Identifier.Kind, e.Identifier.Value)
	if err != nil {
		return false
	}
	system, value := identity.Stored(e.Identifier.Kind, v)
	return g.Suppression.Identifier(e.Identifier.Kind, system, value)
}

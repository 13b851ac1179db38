package app

import (
	"context"
	"errors"
	"slices"

	"github.com/harmonyhq/harmony/internal/cache"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/tracing"
)

// observeParts are the tracer's exporter and the connectors' cache
// backend.
type observeParts struct {
	stopTracing func(context.Context) error
	cache       cache.Backend
}

// startObservability installs the configured tracer and opens the cache
// backend.
func (g *Gateway) startObservability(ctx context.Context, cfg *config.Config) error {
	stop, err := tracing.Setup(ctx, cfg.Server.Tracing, nil)
	if err != nil {
		return &config.Error{File: cfg.File, Key: "server.tracing", Reason: err.Error()}
	}
	g.observe.stopTracing = stop
	if cfg.Server.Tracing.Enabled() {
		g.log.Info("tracing: on", "exporter", cfg.Server.Tracing.Exporter, "sample_ratio", cfg.Server.Tracing.Ratio())
	}
	switch cfg.Cache.Backend {
	case config.CacheRedis:
		r, err := cache.NewRedis(cfg.Cache.RedisURL.Reveal(), cfg.Cache.KeyPrefix, cfg.Cache.Salt.Reveal())
		if err != nil {
			return &config.Error{File: cfg.File, Key: "cache.redis_url", Reason: err.Error()}
		}
		g.observe.cache = r
	default:
		m := cache.NewMemory(cfg.Cache.Salt.Reveal())
		if g.Suppression != nil {
			// Erasures purge every replica's entries of a key by its
			// salted hash (PurgeKeys).
			m.SetPurgeID(g.Suppression.PurgeID)
		}
		g.observe.cache = m
	}
	return nil
}

// stopObservability flushes the tracer's exporter and closes the cache
// backend.
func (g *Gateway) stopObservability(ctx context.Context) {
	if g.observe.stopTracing != nil {
		if err := g.observe.stopTracing(ctx); err != nil {
			g.log.Warn("flushing traces", "error", err.Error())
		}
	}
	if g.observe.cache != nil {
		if err := g.observe.cache.Close(); err != nil {
			g.log.Warn("closing the cache", "error", err.Error())
		}
	}
}

// withCache adds connector cn's cache to its guard's options when its
// configuration turns it on.
func (g *Gateway) withCache(cn config.Connector, o sources.Options) sources.Options {
	if cn.Cache.Enabled() && g.observe.cache != nil {
		o.Cache = g.observe.cache.For(cn.Name, cn.Cache.TTL, cn.Cache.MaxEntries)
	}
	return o
}

// InvalidateCache drops the cached reads of the given native keys of the
// connector called connector, and of every native key that connector has
// for the given customers. Webhooks call it for each accepted delivery.
// With the redis backend it drops them for every replica.
func (g *Gateway) InvalidateCache(ctx context.Context, connector string, keys, customerIDs []string) error {
	src, ok := g.Sources.Get(connector)
	if !ok || g.observe.cache == nil || !src.Cached() {
		return nil
	}
	keys = slices.Clone(keys)
	if len(customerIDs) > 0 {
		found, err := g.Store.IdentitiesOf(ctx, customerIDs)
		if err != nil {
			g.metrics.CacheInvalidated(connector, 0, err)
			return err
		}
		for _, ids := range found {
			for _, id := range ids {
				if id.Kind == store.KindExternalID && id.System == connector {
					keys = append(keys, id.Value)
				}
			}
		}
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	if len(keys) > 0 && keys[0] == "" {
		keys = keys[1:]
	}
	if len(keys) == 0 {
		return nil
	}
	n, err := g.observe.cache.Invalidate(ctx, connector, keys)
	g.metrics.CacheInvalidated(connector, n, err)
	if err != nil {
		g.log.WarnContext(ctx, "cache invalidation failed; entries expire with their ttl", "connector", connector, "error", err.Error())
		return errors.Join(errors.New("invalidate the cache"), err)
	}
	return nil
}

package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/analytics"
	"github.com/harmonyhq/harmony/internal/auth"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/playground"
	"github.com/harmonyhq/harmony/internal/recommend"
	"github.com/harmonyhq/harmony/internal/search"
	"github.com/harmonyhq/harmony/internal/server"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/embedded"
	"github.com/harmonyhq/harmony/internal/suppress"
	"github.com/harmonyhq/harmony/internal/tracing"
	"github.com/harmonyhq/harmony/internal/webhook"
	"github.com/harmonyhq/harmony/resolvers"

	// The built-in connector kinds.
	_ "github.com/harmonyhq/harmony/connectors/all"
)

// Options tune Build.
type Options struct {
	Log *slog.Logger
	// Examples are preloaded in the playground.
	Examples []playground.Example
	// HTTPClient is handed to HTTP connectors; a default one when nil.
	HTTPClient *http.Client
}

// Gateway is a built gateway, ready to serve.
type Gateway struct {
	Config  *config.Config
	Handler http.Handler
	Store   *store.Store
	Sources *sources.Set
	Linker  *identity.Linker
	Indexer *search.Indexer
	// Recommender builds the recommendation model after each identity
	// sync and holds it in memory (docs/recommendations.md).
	Recommender *recommend.Builder
	// Reads is the request path's reader of the store: cached, gated.
	Reads    *store.Cached
	Registry *prometheus.Registry
	// Bus carries stored webhook events to subscribers.
	Bus bus.Bus
	// Suppression is the suppression list of erased people.
	Suppression *suppress.List
	// Analytics is the projection of the population figures (analytics.go).
	Analytics *analytics.Projection

	log      *slog.Logger
	client   *http.Client     // handed to HTTP connectors
	metrics  *sources.Metrics // shared by every generation of sources
	listings *listings        // the last identity sync's listings (listings.go)
	webhooks *webhook.Handler
	reloads  reloadState   // reload.go
	privacy  *privacyParts // privacy.go
	// automation is the journey engine (automation.go).
	automation *automationParts
	observe    observeParts // observe.go
	auth       *auth.Authenticator
	embedded   *embedded.Server
	server     *server.Server
	synced     atomic.Bool
	// indexed is set when a search index pass over every customer has
	// completed: until then customer filters and segments see part of them.
	indexed atomic.Bool
	// analytics keeps the analytics projection current (analytics.go).
	analytics *analyticsParts
}

// Build makes a gateway from cfg: it opens the profile store (starting the
// embedded one when no URI is configured) and builds every connector.
// Configuration errors name the file, line and key.
func Build(ctx context.Context, cfg *config.Config, o Options) (*Gateway, error) {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// Every line logged with a request's context names its request ID.
	log = slog.New(tracing.NewHandler(log.Handler()))
	g := &Gateway{Config: cfg, Registry: prometheus.NewRegistry(), log: log}
	if err := g.build(ctx, cfg, o); err != nil {
		g.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return g, nil
}

func (g *Gateway) build(ctx context.Context, cfg *config.Config, o Options) (err error) {
	log := g.log

	uri := cfg.Store.URI.Reveal()
	if uri == "" {
		g.embedded, err = embedded.Start(ctx, cfg.Store.DataDir, log)
		if err != nil {
			return err
		}
		uri = g.embedded.URI()
		log.Info("profile store: embedded FerretDB (SQLite); not for production or speed figures", "data_dir", cfg.Store.DataDir)
	}
	if g.Store, err = store.Open(ctx, uri, cfg.Store.Database); err != nil {
		return err
	}
	if g.embedded != nil {
		// Every collection exists now (Open creates them): index the
		// expression FerretDB's _id lookups use.
		if err := g.embedded.IndexIDs(ctx); err != nil {
			return fmt.Errorf("profile store: %w", err)
		}
	}
	if err := g.openSuppression(ctx, cfg); err != nil {
		return err
	}

	client := o.HTTPClient
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			MaxIdleConnsPerHost: 64,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	var authenticate func(*http.Request) (caller.Caller, error)
	var revocations server.Revocations
	if cfg.Auth.Enabled() {
		if g.auth, err = auth.New(cfg.Auth, client); err != nil {
			return &config.Error{File: cfg.File, Key: "auth", Reason: err.Error()}
		}
		authenticate, revocations = g.auth.Authenticate, g.auth.Revoked
		log.Info("auth: configured", "api_keys", len(cfg.Auth.APIKeys), "jwt", cfg.Auth.JWT != nil)
	}
	g.client = client
	if err := g.startObservability(ctx, cfg); err != nil {
		return err
	}
	g.metrics = sources.NewMetrics(g.Registry)
	g.listings = newListings(g.Registry)
	list, hooks, err := g.buildSources(ctx, cfg)
	if err != nil {
		return err
	}
	if g.Sources, err = sources.NewSet(list...); err != nil {
		for _, s := range list {
			_ = s.Close()
		}
		return err
	}

	policy, err := identity.NewPolicy(cfg.Identity)
	if err != nil {
		return err
	}
	g.Linker = &identity.Linker{Store: g.Store, Sources: g.Sources, Policy: policy, Log: log, Suppression: g.Suppression,
		FullEvery: cfg.Identity.FullSyncEvery, SnapshotMaxAge: snapshotMaxAge(cfg.Identity.SnapshotMaxAge)}
	g.Indexer = &search.Indexer{Store: g.Store, Sources: g.Sources, Log: log}
	g.Recommender = &recommend.Builder{Store: g.Store, Sources: g.Sources, Log: log}
	if g.Bus, err = bus.Open(ctx, cfg.Bus, bus.Options{Registerer: g.Registry}); err != nil {
		return &config.Error{File: cfg.File, Key: "bus.nats_url", Reason: err.Error()}
	}
	g.Reads = store.NewCached(g.Store, store.CacheOptions{
		MaxCustomers: cfg.Store.Cache.MaxCustomers, TTL: cfg.Store.Cache.TTL, Registerer: g.Registry,
		Gate: store.NewGate(store.GateOptions{MaxInFlight: cfg.Store.MaxInFlight, MaxQueue: cfg.Store.MaxQueue,
			QueueTimeout: cfg.Store.QueueTimeout, Registerer: g.Registry}),
	})
	ConnectCache(g.Store, g.Reads, g.Bus, log)
	g.connectErasures()
	// The search index reads again, at its next run, the customers that
	// changed (every customer when invalidations may have been lost).
	g.Bus.OnInvalidate(func(inv bus.Invalidation) {
		if inv.All {
			g.Indexer.Forget()
			return
		}
		g.Indexer.Changed(inv.CustomerIDs)
	})
	if !cfg.Store.Embedded() && cfg.Bus.NATSURL.Reveal() == "" {
		log.Info("profile store cache: replicas sharing this store hear of each other's changes only through bus.nats_url; without it, up to store.cache.ttl late",
			"ttl", cfg.Store.Cache.TTL.String())
	}
	g.startAnalytics()
	g.webhooks = webhook.New(webhook.Options{Endpoints: hooks, Store: g.Store, Resolver: g.Linker, Bus: g.Bus,
		Log: log, Registerer: g.Registry, Invalidate: g.InvalidateCache, Suppressed: g.suppressedEvent})
	g.startPrivacy(cfg)
	g.startAutomation(cfg)
	res := &resolvers.Resolver{Store: g.Store, Reader: g.Reads, Sources: g.Sources, Policy: policy, Reindex: g.Indexer.Refresh,
		SearchComplete: g.SearchComplete,
		Privacy:        g.privacy.Privacy, Audit: g.privacy.Audit, Suppression: g.Suppression,
		Priority:     cfg.Profile.Priority,
		Survivorship: cfg.Profile.Survivorship, StaleAfter: cfg.Profile.StaleAfter,
		ConversationWindow: cfg.Journey.ConversationWindow,
		Lookup:             g.lookup, Bus: g.Bus, Automation: g.automation.Engine,
		Recommender: g.Recommender, Analytics: g.Analytics}
	safelist, err := loadSafelist(cfg, log)
	if err != nil {
		return err
	}
	g.server = server.New(server.Options{
		Config:    cfg.Server,
		Resolvers: res,
		Loaders:   &loaders.Factory{Sources: g.Sources, Store: g.Reads, Metrics: loaders.NewMetrics(g.Registry)},
		Ready:     g.ready,
		Registry:  g.Registry,
		Log:       log,
		Examples:  o.Examples,

		Authenticate: authenticate,
		Revocations:  revocations,
		Webhooks:     g.webhooks,
		Safelist:     safelist,
	})
	g.Handler = g.server
	return nil
}

// ConnectCache wires a replica's read cache: the store's changes go on
// the bus, whose handlers run on this replica before Invalidate returns
// and on the others when the bus delivers; what the bus delivers drops
// the customers named, or everything when the bus may have lost some.
func ConnectCache(s *store.Store, c *store.Cached, b bus.Bus, log *slog.Logger) {
	s.OnChange(func(ctx context.Context, ids []string) {
		if err := b.Invalidate(ctx, bus.Invalidation{CustomerIDs: ids}); err != nil {
			// This replica's entries are dropped already; the others'
			// expire with store.cache.ttl.
			log.WarnContext(ctx, "profile store cache: invalidation not sent to other replicas", "customers", len(ids), "error", err.Error())
		}
	})
	b.OnInvalidate(func(inv bus.Invalidation) {
		switch {
		case inv.All:
			c.Purge()
		case inv.Remote:
			c.Invalidate(store.OriginBus, inv.CustomerIDs)
		default:
			c.Invalidate(store.OriginStore, inv.CustomerIDs)
		}
	})
}

// SourceOptions are the guard's options for connector cn. Settings the
// configuration left nil (a config built in code) take the defaults. The
// benchmark's gateway builds its sources with them too.
func SourceOptions(cn config.Connector) sources.Options {
	o := sources.Options{
		Timeout: cn.Timeout, MaxBatch: cn.MaxBatch, MaxConcurrency: cn.MaxConcurrency,
		Retries: sources.DefaultRetries, StaleFor: sources.DefaultStaleFor,
		BreakerFailures: cn.Breaker.Failures, BreakerCoolDown: cn.Breaker.CoolDown,
		MaxInFlight: cn.MaxInFlight,
	}
	if cn.Retries != nil {
		o.Retries = *cn.Retries
	}
	if cn.StaleFor != nil {
		o.StaleFor = *cn.StaleFor
	}
	return o
}

// snapshotMaxAge maps identity.snapshot_max_age to the Linker's: unset is
// the default (0), 0s is never (negative).
func snapshotMaxAge(d *time.Duration) time.Duration {
	switch {
	case d == nil:
		return 0
	case *d == 0:
		return -1
	}
	return *d
}

// Sync links every listing source's records to customers. A source whose
// listing fails or is incomplete is shown on /readyz and in the metrics
// until a sync lists it completely, and Sync returns nil; its last
// complete listing stands in when recent enough, otherwise the sync links
// nothing (see identity.Linker.Sync).
func (g *Gateway) Sync(ctx context.Context) error {
	start := time.Now()
	var listed []string
	for _, s := range g.Sources.With(connectors.CapListProfiles) {
		listed = append(listed, s.Name())
	}
	rep, err := g.Linker.Sync(ctx)
	if err != nil {
		return fmt.Errorf("identity sync: %w", err)
	}
	g.listings.record(listed, rep)
	g.synced.Store(true)
	g.log.Info("identity sync done", "records", rep.Records, "new_customers", rep.Customers, "new_links", rep.Identities,
		"invalid_identifiers", rep.Invalid, "unmapped_identifiers", rep.Unmapped, "refused_matches", rep.Refused,
		"refused_by", rep.RefusedBy, "blocked_values", rep.Blocked, "shared_values", rep.Shared, "capped_joins", rep.Capped,
		"merged_customers", rep.Merged, "kept_apart", rep.KeptApart, "moved_identities", rep.Moved, "alerts", rep.Alerts,
		"suppressed_records", rep.Suppressed, "failed_sources", rep.FailedNames(), "from_snapshot", rep.FromSnapshot,
		"incremental", rep.Incremental, "duration_ms", time.Since(start).Milliseconds())
	g.index(ctx)
	g.recommend(ctx)
	g.project(ctx)
	return nil
}

// recommend rebuilds the recommendation model after an identity sync. A
// failure keeps the previous model and is only logged.
func (g *Gateway) recommend(ctx context.Context) {
	start := time.Now()
	rep, err := g.Recommender.Rebuild(ctx)
	if err != nil {
		if ctx.Err() == nil {
			g.log.Warn("recommendation model failed; recommendations use the previous model", "error", err.Error())
		}
		return
	}
	g.log.Info("recommendation model done", "customers", rep.Customers, "signals", rep.Signals, "items", rep.Items,
		"failed_sources", rep.Failed, "duration_ms", time.Since(start).Milliseconds())
}

// lookup links the records the systems find for identifiers nobody owns
// yet, for the resolvers.
func (g *Gateway) lookup(ctx context.Context, ids []connectors.Identifier) error {
	start := time.Now()
	rep, err := g.Linker.Lookup(ctx, ids)
	g.log.Info("identity lookup done", "identifiers", len(ids), "records", rep.Records, "new_customers", rep.Customers,
		"new_links", rep.Identities, "suppressed_records", rep.Suppressed, "failed_sources", rep.FailedNames(), "duration_ms", time.Since(start).Milliseconds())
	return err
}

// index refreshes every customer's search projection after an identity
// sync. A failure keeps the previous projections and is only logged: the
// sync itself succeeded, and each projection records when it was written.
func (g *Gateway) index(ctx context.Context) {
	start := time.Now()
	rep, err := g.Indexer.IndexAll(ctx)
	if err != nil {
		if ctx.Err() == nil {
			g.log.Warn("search index failed; searches use the previous index", "indexed_customers", rep.Customers, "error", err.Error())
		}
		return
	}
	g.indexed.Store(true)
	g.log.Info("search index done", "customers", rep.Customers, "pages", rep.Pages, "failed_sources", rep.Failed,
		"duration_ms", time.Since(start).Milliseconds())
}

// SearchComplete reports whether the search index holds every customer: a
// first identity sync and the index pass after it have completed. Until
// then a customer list or count covers only part of the customers.
func (g *Gateway) SearchComplete() bool { return g.indexed.Load() }

// MarkSynced declares identities and the search index ready without a
// sync (sync disabled: another replica syncs, and the index is the one it
// keeps in the shared store).
func (g *Gateway) MarkSynced() {
	g.synced.Store(true)
	g.indexed.Store(true)
}

func (g *Gateway) ready(ctx context.Context) (bool, map[string]string) {
	parts := map[string]string{"store": "ok", "identity": "ok", "search": "ok"}
	ready := true
	if err := g.Store.Ping(ctx); err != nil {
		parts["store"], ready = "unavailable", false
	}
	// Ready means whole: the first identity sync has linked every system's
	// records, and the search index pass after it has covered every
	// customer (before, a name search finds some of them and says nothing).
	switch {
	case !g.synced.Load():
		parts["identity"], parts["search"], ready = "syncing", "waiting", false
	case !g.indexed.Load():
		parts["search"], ready = "indexing", false
	}
	g.listings.ready(parts)
	// A connector whose breaker is open is degraded, not a reason to leave
	// the load balancer: its fields fail or come from last good values,
	// and every replica sees the same system.
	for _, s := range g.Sources.All() {
		state := "configured"
		switch s.BreakerState() {
		case sources.BreakerOpen:
			state = "degraded"
		case sources.BreakerHalfOpen:
			state = "recovering"
		}
		parts["connector:"+s.Name()] = state
	}
	// Reported, not a reason to leave the load balancer: the previous
	// configuration keeps serving.
	if st := g.reloadStatus(); st != "" {
		parts["config"] = st
	}
	if g.auth != nil {
		// Reported, not a reason to leave the load balancer: every replica
		// shares the identity provider, and API keys still work.
		parts["auth"] = "ok"
		if !g.auth.KeysLoaded(ctx) {
			parts["auth"] = "jwks unavailable"
		}
	}
	return ready, parts
}

// Close releases everything Build acquired.
func (g *Gateway) Close(ctx context.Context) {
	g.stopAutomation()
	g.stopPrivacy(ctx)
	g.stopAnalytics()
	if g.Sources != nil {
		if err := g.Sources.Close(); err != nil {
			g.log.Warn("closing connectors", "error", err.Error())
		}
	}
	if g.Bus != nil {
		if err := g.Bus.Close(); err != nil {
			g.log.Warn("closing the event bus", "error", err.Error())
		}
	}
	if g.Store != nil {
		_ = g.Store.Close(ctx)
	}
	if g.embedded != nil {
		g.embedded.Close()
	}
	if g.server != nil {
		if err := g.server.Close(); err != nil {
			g.log.Warn("closing the rate limiter", "error", err.Error())
		}
	}
	if g.auth != nil {
		g.auth.Close()
	}
	g.stopObservability(ctx)
}

// Serve listens on addr and serves until ctx ends, then drains in-flight
// requests for up to the configured shutdown timeout. ready, if not nil,
// receives the bound address once listening. Without authentication
// configured it serves on loopback only: any other address is a
// configuration error on key auth.
func (g *Gateway) Serve(ctx context.Context, addr string, ready func(net.Addr)) error {
	open := !g.Config.Auth.Enabled()
	if err := g.checkOpen(addr); err != nil {
		return err
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if open {
		if err := g.checkOpen(ln.Addr().String()); err != nil {
			_ = ln.Close()
			return err
		}
		g.log.Warn("auth: none configured; "+server.OpenWarning, "addr", ln.Addr().String())
	}
	srv := &http.Server{
		Handler:           g.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	timeout := g.Config.Server.ShutdownTimeout
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	g.log.Info("shutting down: draining in-flight requests and subscriptions", "timeout", timeout.String())
	// Shutdown stops accepting and waits for requests in flight; meanwhile
	// Drain ends subscriptions (SSE streams are requests Shutdown waits for;
	// websockets are hijacked, so Drain closes and waits for them itself).
	drained := make(chan error, 1)
	go func() { drained <- g.server.Drain(sctx) }()
	err = srv.Shutdown(sctx)
	if derr := <-drained; derr != nil {
		g.log.Warn("subscriptions not drained in time; closed", "error", derr.Error())
	}
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (g *Gateway) checkOpen(addr string) error { return CheckOpen(g.Config, addr) }

// CheckOpen refuses to serve a gateway without authentication on an address
// other hosts can reach: a *config.Error on key auth unless cfg has
// credentials or addr is loopback.
func CheckOpen(cfg *config.Config, addr string) error {
	if cfg.Auth.Enabled() || config.IsLoopback(addr) {
		return nil
	}
	return &config.Error{File: cfg.File, Key: "auth",
		Reason: fmt.Sprintf("required when server.addr is not loopback (%s): configure auth.api_keys or auth.jwt, or listen on 127.0.0.1", addr)}
}

// webhookError places an error of connector i's webhook block in the file.
func webhookError(cfg *config.Config, i int, err error) error {
	key := fmt.Sprintf("connectors[%d].webhook", i)
	var ce *connectors.ConfigError
	if !errors.As(err, &ce) {
		return &config.Error{File: cfg.File, Line: cfg.Connectors[i].Line, Key: key, Reason: err.Error()}
	}
	if ce.Key != "" {
		key += "." + ce.Key
	}
	return &config.Error{File: cfg.File, Line: cfg.Connectors[i].Line, Key: key, Reason: ce.Reason}
}

// loadSafelist reads the operations safelist mode allows, relative to the
// configuration file; nil in the other modes.
func loadSafelist(cfg *config.Config, log *slog.Logger) (map[string]string, error) {
	pq := cfg.Server.PersistedQueries
	if pq.Mode != config.PersistedSafelist {
		return nil, nil
	}
	path := pq.File
	if !filepath.IsAbs(path) {
		path = filepath.Join(cfg.Dir(), path)
	}
	list, err := server.LoadSafelist(path)
	if err != nil {
		return nil, &config.Error{File: cfg.File, Key: "server.persisted_queries.file", Reason: err.Error()}
	}
	log.Info("persisted queries: safelist; other operations are refused", "operations", len(list))
	return list, nil
}

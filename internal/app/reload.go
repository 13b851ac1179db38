package app

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"sync"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/reload"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/webhook"
)

// reloadState serialises reloads and remembers the connectors' configuration
// in force.
type reloadState struct {
	mu      sync.Mutex
	current []config.Connector
	watcher *reload.Watcher
	// fromFile is the configuration as last read from the file, before
	// command-line overrides such as serve --addr: reloaded files are
	// compared with it, so that an override is not taken for a change.
	fromFile *config.Config
}

// ignoredSections names the sections other than connectors that next
// changes, compared with the file as last read (or, before any read, with
// the running configuration).
func (s *reloadState) ignoredSections(running, next *config.Config) []string {
	base := s.fromFile
	if base == nil {
		base = running
	}
	return ignoredChanges(base, next)
}

// WatchConfig reloads the connectors from file, read with env, on SIGHUP
// and whenever the file changes, until ctx ends. /readyz then shows how the
// last reload went; a failed one leaves the running connectors in place.
// The channel it returns is closed once the signal and the file are
// watched.
func (g *Gateway) WatchConfig(ctx context.Context, file string, env config.Lookup) <-chan struct{} {
	w := &reload.Watcher{File: file, Log: g.log, Apply: func(ctx context.Context) error {
		cfg, err := config.Load(file, env)
		if err != nil {
			return err
		}
		return g.ReloadConnectors(ctx, cfg)
	}}
	g.reloads.mu.Lock()
	if cfg, err := config.Load(file, env); err == nil {
		g.reloads.fromFile = cfg
	}
	g.reloads.watcher = w
	g.reloads.mu.Unlock()
	go func() {
		if err := w.Run(ctx); err != nil {
			g.log.Error("configuration reload is off", "error", err.Error())
		}
	}()
	return w.Ready()
}

// reloadStatus is the "config" part of /readyz: "" when nothing watches.
func (g *Gateway) reloadStatus() string {
	g.reloads.mu.Lock()
	w := g.reloads.watcher
	g.reloads.mu.Unlock()
	if w == nil {
		return ""
	}
	st := w.Status()
	if st.Err != "" {
		return "reload failed, previous configuration serving: " + st.Err
	}
	return fmt.Sprintf("ok, %d reloads", st.Reloads)
}

// buildSources builds and guards cfg's connectors, and their webhook
// endpoints. On error nothing stays open; errors name the file, line and key.
func (g *Gateway) buildSources(ctx context.Context, cfg *config.Config) ([]*sources.Source, []webhook.Endpoint, error) {
	var list []*sources.Source
	var hooks []webhook.Endpoint
	closeAll := func() {
		for _, s := range list {
			_ = s.Close()
		}
	}
	for i, cn := range cfg.Connectors {
		env := connectors.Env{Name: cn.Name, Logger: g.log.With("connector", cn.Name), HTTPClient: g.client, BaseDir: cfg.Dir()}
		conn, err := connectors.Build(ctx, cn.Kind, &cn.Config, env)
		if err != nil {
			closeAll()
			return nil, nil, cfg.ConnectorError(i, err)
		}
		if cn.Webhook != nil {
			ep, err := webhook.NewEndpoint(cn.Name, *cn.Webhook, conn)
			if err != nil {
				_ = conn.Close()
				closeAll()
				return nil, nil, webhookError(cfg, i, err)
			}
			hooks = append(hooks, ep)
		}
		opts := g.withCache(cn, SourceOptions(cn))
		if g.Suppression != nil {
			opts.PurgeID = g.Suppression.PurgeID
		}
		list = append(list, sources.New(cn.Name, cn.Kind, conn, opts, g.metrics, g.log))
	}
	return list, hooks, nil
}

// ReloadConnectors applies a new configuration's connectors and API keys
// to the running gateway: it builds the connectors first, and on any error
// keeps the running ones and returns the error (file, line, key, reason).
// Otherwise it swaps them in: operations already running finish on the
// connectors they started with, which are closed once the last of those
// ends (or after the shutdown timeout), and new operations use the new
// ones. The API keys and roles of auth are replaced at the same time (see
// reloadAuth): a key removed or changed is refused from then on, and the
// subscriptions it opened end. Other sections need a restart: a change to
// them is logged and ignored. A connector that is new or changed and lists
// profiles gets an identity sync in the background.
func (g *Gateway) ReloadConnectors(ctx context.Context, cfg *config.Config) error {
	g.reloads.mu.Lock()
	defer g.reloads.mu.Unlock()
	if g.reloads.current == nil {
		g.reloads.current = g.Config.Connectors
	}
	base := g.reloads.fromFile
	if base == nil {
		base = g.Config
	}
	if err := g.checkAuthReload(base, cfg); err != nil {
		return err
	}
	for _, section := range g.reloads.ignoredSections(g.Config, cfg) {
		if section == "auth" && g.auth != nil {
			// API keys and roles reload (reloadAuth); the jwt block does not.
			if !sameJWT(base.Auth.JWT, cfg.Auth.JWT) {
				g.log.Warn("configuration reload: this section changed but needs a restart; ignored", "section", "auth.jwt")
			}
			continue
		}
		g.log.Warn("configuration reload: this section changed but needs a restart; ignored", "section", section)
	}
	list, hooks, err := g.buildSources(ctx, cfg)
	if err != nil {
		return err
	}
	if err := g.Sources.Replace(list, g.Config.Server.ShutdownTimeout, g.log); err != nil {
		for _, s := range list {
			_ = s.Close()
		}
		return fmt.Errorf("swap the connectors: %w", err)
	}
	g.webhooks.SetEndpoints(hooks)
	g.reloadAuth(cfg)
	g.reloads.fromFile = cfg
	added, changed, removed := diffConnectors(g.reloads.current, cfg.Connectors)
	g.reloads.current = cfg.Connectors
	g.log.Info("connectors reloaded", "connectors", len(list), "added", added, "changed", changed, "removed", removed)

	var resync bool
	for _, s := range list {
		if (slices.Contains(added, s.Name()) || slices.Contains(changed, s.Name())) && s.Has(connectors.CapListProfiles) {
			resync = true
		}
	}
	if resync {
		go func() {
			if err := g.Sync(context.WithoutCancel(ctx)); err != nil {
				g.log.Error("identity sync after a reload failed", "error", err.Error())
			}
		}()
	}
	return nil
}

// ignoredChanges names the sections other than connectors that differ.
func ignoredChanges(old, next *config.Config) []string {
	var out []string
	ov, nv := reflect.ValueOf(*old), reflect.ValueOf(*next)
	t := ov.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		if tag == "" || tag == "-" || tag == "connectors" || !f.IsExported() {
			continue
		}
		if !reflect.DeepEqual(ov.Field(i).Interface(), nv.Field(i).Interface()) {
			out = append(out, tag)
		}
	}
	return out
}

// diffConnectors names the connectors added, changed and removed.
func diffConnectors(old, next []config.Connector) (added, changed, removed []string) {
	byName := map[string]config.Connector{}
	for _, c := range old {
		byName[c.Name] = c
	}
	seen := map[string]bool{}
	for _, c := range next {
		seen[c.Name] = true
		o, ok := byName[c.Name]
		switch {
		case !ok:
			added = append(added, c.Name)
		case !sameConnector(o, c):
			changed = append(changed, c.Name)
		}
	}
	for _, c := range old {
		if !seen[c.Name] {
			removed = append(removed, c.Name)
		}
	}
	return added, changed, removed
}

// sameConnector compares two connectors' settings, their config blocks by
// content (lines and styles aside).
func sameConnector(a, b config.Connector) bool {
	var ab, bb any
	if a.Config.Decode(&ab) != nil || b.Config.Decode(&bb) != nil {
		return false
	}
	a.Config, b.Config = connectors.Block{}, connectors.Block{}
	a.Line, b.Line = 0, 0
	return reflect.DeepEqual(ab, bb) && reflect.DeepEqual(a, b)
}

// checkAuthReload refuses a reload that would switch authentication on or
// off (the open mode's checks and the server's wiring are made at start):
// the running configuration keeps serving, and /readyz says why.
func (g *Gateway) checkAuthReload(running, next *config.Config) error {
	if running.Auth.Enabled() == next.Auth.Enabled() {
		return nil
	}
	reason := "removing every API key and the jwt block would open the gateway: that needs a restart"
	if !running.Auth.Enabled() {
		reason = "the gateway runs open (no auth): configuring credentials needs a restart"
	}
	return &config.Error{File: next.File, Key: "auth", Reason: reason}
}

// reloadAuth replaces the API keys and roles with those of cfg (its JWT
// block needs a restart): a key removed, or whose role or scopes changed,
// is refused from now on, and the subscriptions it opened end
// (CREDENTIAL_REVOKED; websockets close with 4403).
func (g *Gateway) reloadAuth(cfg *config.Config) {
	if g.auth == nil {
		return
	}
	revoked, err := g.auth.SetAPIKeys(cfg.Auth)
	if err != nil {
		// Validated by config.Load: not expected.
		g.log.Error("configuration reload: API keys not replaced", "error", err.Error())
		return
	}
	g.log.Info("API keys reloaded", "api_keys", len(cfg.Auth.APIKeys), "revoked", revoked)
}

// sameJWT reports whether two JWT blocks are the same settings.
func sameJWT(a, b *config.JWT) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	x, y := *a, *b
	x.Line, y.Line = 0, 0
	return reflect.DeepEqual(x, y)
}

package app

import (
	"context"
	"sync"

	"github.com/harmonyhq/harmony/internal/audit"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/privacy"
)

// privacyParts are the privacy request service with its retry worker, and
// the audit log with its writer.
type privacyParts struct {
	Privacy *privacy.Service
	Audit   *audit.Log

	cancel context.CancelFunc
	done   sync.WaitGroup
}

// startPrivacy builds the privacy service and the audit log and starts the
// worker that retries failed privacy requests; Close stops both.
func (g *Gateway) startPrivacy(cfg *config.Config) {
	p := &privacyParts{
		Privacy: &privacy.Service{Store: g.Store, Sources: g.Sources, Config: cfg.Privacy, Log: g.log.With("component", "privacy"),
			Suppression: g.Suppression, Purge: g.PurgeKeys, Suppressed: g.announceSuppressions},
		Audit: audit.NewLog(g.Store, cfg.Privacy.AuditQueue, g.log.With("component", "audit"), g.Registry),
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		p.Privacy.Run(ctx)
	}()
	g.privacy = p
}

// stopPrivacy stops the retry worker and writes the queued audit entries
// (bounded by ctx).
func (g *Gateway) stopPrivacy(ctx context.Context) {
	if g.privacy == nil {
		return
	}
	g.privacy.cancel()
	g.privacy.done.Wait()
	g.privacy.Audit.Close(ctx)
}

// Privacy is the privacy request service (nil before Build).
func (g *Gateway) Privacy() *privacy.Service {
	if g.privacy == nil {
		return nil
	}
	return g.privacy.Privacy
}

// Audit is the audit log (nil before Build).
func (g *Gateway) Audit() *audit.Log {
	if g.privacy == nil {
		return nil
	}
	return g.privacy.Audit
}

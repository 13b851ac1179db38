package app

import (
	"context"
	"sync"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/automation"
	"github.com/harmonyhq/harmony/internal/config"
)

// automationParts are the journey engine and its loop.
type automationParts struct {
	Engine *automation.Engine
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// startAutomation builds the journey engine of cfg.Journeys and, when any
// is configured, starts its loop; Close stops it.
func (g *Gateway) startAutomation(cfg *config.Config) {
	senders := func() []automation.Sender {
		var out []automation.Sender
		rank := func(name string) int {
			for i, n := range cfg.Profile.Priority {
				if n == name {
					return i
				}
			}
			return len(cfg.Profile.Priority)
		}
		for _, s := range g.Sources.With(connectors.CapSend) {
			out = append(out, s)
		}
		// Profile priority order, as sendMessage picks.
		for i := 1; i < len(out); i++ {
			for k := i; k > 0 && rank(out[k].Name()) < rank(out[k-1].Name()); k-- {
				out[k], out[k-1] = out[k-1], out[k]
			}
		}
		return out
	}
	p := &automationParts{Engine: automation.New(automation.Options{Store: g.Store, Bus: g.Bus, Senders: senders,
		Journeys: cfg.Journeys, Log: g.log.With("component", "automation")})}
	g.automation = p
	if len(cfg.Journeys) == 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		p.Engine.Run(ctx, nil)
	}()
}

// stopAutomation stops the engine's loop.
func (g *Gateway) stopAutomation() {
	if g.automation == nil || g.automation.cancel == nil {
		return
	}
	g.automation.cancel()
	g.automation.done.Wait()
}

// Automation is the journey engine (nil before Build).
func (g *Gateway) Automation() *automation.Engine {
	if g.automation == nil {
		return nil
	}
	return g.automation.Engine
}

// Package demo runs Harmony's embedded demo: the ten channel simulators on
// loopback with deterministic sample customers, wired by demo.yaml, the
// integrators' first example configuration.
package demo

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators"
)

//go:embed demo.yaml
var demoYAML []byte

//go:embed pos-postgres.yaml
var posPostgresYAML []byte

// Defaults of the demo population.
const (
	DefaultPeople = 1000
	DefaultSeed   = 42
)

// Options tune the demo.
type Options struct {
	// DataDir holds the embedded profile store and the POS database.
	DataDir string
	// People is the size of the simulated population.
	People int
	// Seed makes the population; the same seed gives the same customers.
	Seed uint64
	// POSPostgresDSN, when set, runs the point of sale on PostgreSQL (a
	// fresh schema in that database) instead of a SQLite file.
	POSPostgresDSN string
	// Env is consulted before the simulators' values, so a variable such as
	// HARMONY_MONGODB_URI can point the demo at a real MongoDB.
	Env config.Lookup
}

// Demo is a running demo.
type Demo struct {
	Simulators *simulators.Set
	Config     *config.Config
}

// Start starts the simulators and returns the demo configuration wired to
// them, its store under o.DataDir.
func Start(ctx context.Context, o Options) (*Demo, error) {
	if o.People == 0 {
		o.People = DefaultPeople
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("demo data directory: %w", err)
	}
	so := simulators.Options{Seed: o.Seed, People: o.People}
	if o.POSPostgresDSN != "" {
		so.POSPostgresDSN = o.POSPostgresDSN
	} else {
		so.POSSQLitePath = filepath.Join(o.DataDir, "pos.sqlite")
	}
	sims, err := simulators.Start(ctx, so)
	if err != nil {
		return nil, fmt.Errorf("start channel simulators: %w", err)
	}
	vars := sims.Vars()
	lookup := func(name string) (string, bool) {
		if o.Env != nil {
			if v, ok := o.Env(name); ok {
				return v, true
			}
		}
		v, ok := vars[name]
		return v, ok
	}
	cfg, err := config.Parse("demo.yaml", demoYAML, lookup)
	if err != nil {
		_ = sims.Close() // the parse error is the one to report
		return nil, err
	}
	if o.POSPostgresDSN != "" {
		pg, err := config.Parse("pos-postgres.yaml", posPostgresYAML, lookup)
		if err != nil {
			_ = sims.Close() // the parse error is the one to report
			return nil, err
		}
		for i := range cfg.Connectors {
			if cfg.Connectors[i].Name == "pos" {
				cfg.Connectors[i] = pg.Connectors[0]
			}
		}
	}
	cfg.Store.DataDir = filepath.Join(o.DataDir, "store")
	d := &Demo{Simulators: sims, Config: cfg}
	d.WebhooksTo(config.DefaultAddr)
	return d, nil
}

// WebhooksTo points the simulators' webhook deliveries at the gateway
// listening on addr (host:port); Start assumes the default address.
func (d *Demo) WebhooksTo(addr string) {
	d.Simulators.Helpdesk.SetWebhook("http://" + addr + "/webhooks/helpdesk")
}

// Close stops the simulators. It runs on the way out, with no caller left to
// tell, so a failure to stop them is dropped.
func (d *Demo) Close() { _ = d.Simulators.Close() }

// YAML is demo.yaml as embedded, with its ${NAME} references unexpanded:
// for tests that serve it from a file (see Simulators.Vars for the values).
func YAML() []byte { return append([]byte(nil), demoYAML...) }

// YAMLOnPostgres is demo.yaml with the point of sale's connector block
// of pos-postgres.yaml (the demo as New runs it with POSPostgresDSN), its
// ${NAME} references unexpanded: for tests that serve that demo from a
// file. With the SQLite block, the PostgreSQL DSN cannot be opened and
// the point of sale's listing fails.
func YAMLOnPostgres() []byte {
	text := string(demoYAML)
	start := strings.Index(text, "\n  - name: pos\n") + 1
	next := strings.Index(text[start:], "\n  - name: ")
	if start == 0 || next < 0 {
		panic("demo.yaml: no point of sale block followed by another connector")
	}
	end := start + next + 1
	// The next connector's comments stay with it.
	for {
		prev := strings.LastIndex(text[:end-1], "\n") + 1
		line := strings.TrimSpace(text[prev : end-1])
		if prev <= start || (line != "" && !strings.HasPrefix(line, "#")) {
			break
		}
		end = prev
	}
	_, block, ok := strings.Cut(string(posPostgresYAML), "\nconnectors:\n")
	if !ok {
		panic("pos-postgres.yaml: no connectors list")
	}
	return []byte(text[:start] + strings.TrimRight(block, "\n") + "\n\n" + text[end:])
}

// POSPostgresYAML is pos-postgres.yaml as embedded: the point of sale's
// connector block on PostgreSQL, its ${POS_DSN} unexpanded.
func POSPostgresYAML() []byte { return append([]byte(nil), posPostgresYAML...) }

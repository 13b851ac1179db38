package run

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/memstore"
	"github.com/harmonyhq/harmony/bench/internal/procstat"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// runDemo measures the demo configuration: the gateway child, then
// `harmony serve`.
func (b *bench) runDemo(ctx context.Context) error {
	cfgText, err := demoConfig()
	if err != nil {
		return err
	}
	if b.demoPath, err = writeFile(b.dir, "demo.yaml", cfgText); err != nil {
		return err
	}
	if b.demoCfg, err = config.Load(b.demoPath, lookupIn(b.withDataDir(filepath.Join(b.dir, "store-demo")))); err != nil {
		return err
	}
	b.logf("linking the demo's identities with the real sync (embedded FerretDB, closed before measuring)")
	systems := population.Systems()
	b.demo, err = syncIdentities(ctx, b.demoPath, filepath.Join(b.dir, "store-demo"), b.vars, func(s *memstore.Snapshot) []string {
		return targetIDs(pickTargets(s, systems, "", 200))
	})
	if err != nil {
		return err
	}
	if b.targets = pickTargets(b.demo.snap, systems, "", 200); len(b.targets) == 0 {
		return fmt.Errorf("no customer has a record in every system")
	}
	b.logf("starting the gateway child (store: %s)", b.rep.Store)
	if b.child, err = b.startChild(ctx, "gateway", b.demoPath, b.demo.snapshot); err != nil {
		return err
	}
	defer b.child.p.stop()
	b.logf("gateway pid %d listening on %s (/debug/pprof/ for go tool pprof)", b.child.p.pid(), b.child.p.addr)
	if b.rep.IdleCPUMSPerS, err = idleCPU(ctx, b.child.p, 3*time.Second); err != nil {
		return err
	}
	if n, err := procstat.RSS(b.child.p.pid()); err == nil {
		b.rep.IdleRSSMB = float64(n) / (1 << 20)
	}
	if err := b.recordCalls(ctx); err != nil {
		return err
	}
	if err := b.measure(ctx); err != nil {
		return err
	}
	return b.measureServe(ctx)
}

// withDataDir is the upstreams' variables and the embedded store's
// directory.
func (b *bench) withDataDir(dir string) map[string]string {
	env := map[string]string{DataDirVar: dir}
	for k, v := range b.vars {
		env[k] = v
	}
	return env
}

// recordCalls records, at 0 ms, the upstream calls one run of each demo
// operation makes: the bare fan-out replays them.
func (b *bench) recordCalls(ctx context.Context) error {
	if err := b.setProfile(ctx, "zero", zeroProfile); err != nil {
		return err
	}
	for _, op := range Operations() {
		fn := b.child.cl.opFunc(op, b.targets)
		rec, err := b.child.cl.record(ctx, func() error { return fn(ctx) })
		if err != nil {
			return fmt.Errorf("record %s: %w", op.Name, err)
		}
		b.calls[op.Name] = rec
		if b.fanouts[op.Name], err = b.fanoutOf(b.demoCfg, rec); err != nil {
			return fmt.Errorf("bare fan-out of %s: %w", op.Name, err)
		}
		var bytes int64
		for _, c := range rec.HTTP {
			bytes += c.Answered
		}
		b.rep.UpstreamKB = append(b.rep.UpstreamKB, OpBytes{Op: op.Name, Calls: len(rec.HTTP), SQL: len(rec.SQL), KB: float64(bytes) / 1024})
		b.logf("%s: %d upstream HTTP calls (%.1f KB answered) and %d SQL reads recorded", op.Name, len(rec.HTTP), float64(bytes)/1024, len(rec.SQL))
	}
	return nil
}

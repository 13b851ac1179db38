package run

import (
	"context"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/procstat"
)

// serveClients is the closed-loop concurrency at which `harmony serve` and
// the child are compared: the embedded store makes each operation cost so
// much CPU that more clients would only queue.
const serveClients = 2

// measureServe runs `harmony serve` on the demo configuration with the
// embedded store the bench's sync wrote, measures it at rest, then asks it
// the customer 360 with 0 ms upstreams beside the gateway child at the same
// concurrency.
func (b *bench) measureServe(ctx context.Context) error {
	b.logf("starting harmony serve (%s) on the demo configuration, embedded store", b.o.Harmony)
	s, stop, err := b.startServe(ctx, "serve-demo", b.demoPath, b.demo.dataDir)
	if err != nil {
		return err
	}
	defer stop()
	rep := &b.rep.Serve
	rep.Store = "embedded FerretDB (SQLite), audit on"
	rep.Clients = serveClients
	if rep.IdleCPUMSPerS, err = idleCPU(ctx, s.p, 3*time.Second); err != nil {
		return err
	}
	if n, err := procstat.RSS(s.p.pid()); err == nil {
		rep.IdleRSSMB = float64(n) / (1 << 20)
	}
	if err := b.setProfile(ctx, "zero", zeroProfile); err != nil {
		return err
	}
	op := operation(Op360)
	// The first read of each customer: its store documents are not in the
	// read cache yet (store.Cached), so it reads them from FerretDB. One
	// pass, one at a time, over every target, timed on its own; the phase
	// after it measures the cache warm, as a customer read again is.
	fn := s.cl.opFunc(op, b.targets)
	before, err := procstat.CPU(s.p.pid())
	if err != nil {
		return err
	}
	for range b.targets {
		if err := fn(ctx); err != nil {
			rep.ColdErrors++
			b.logf("harmony serve: first read %s: %v", op.Name, err)
			continue
		}
		rep.ColdDone++
	}
	after, err := procstat.CPU(s.p.pid())
	if err != nil {
		return err
	}
	if rep.ColdDone > 0 {
		rep.ColdCPUPerOp = float64((after - before).Microseconds()) / float64(rep.ColdDone)
	}
	if rep.Serve, err = b.phase(ctx, phaseSpec{profile: "zero", op: op, load: Closed, clients: serveClients, via: ViaServe, gw: s, d: b.o.ServePhase}); err != nil {
		return err
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(3 * time.Second):
	}
	if n, err := procstat.RSS(s.p.pid()); err == nil {
		rep.RestRSSMB = float64(n) / (1 << 20)
	}
	if rep.Child, err = b.phase(ctx, phaseSpec{profile: "zero", op: op, load: Closed, clients: serveClients, via: ViaGateway, gw: b.child, d: b.o.Phase}); err != nil {
		return err
	}
	if rep.Child.CPUPerOp > 0 {
		rep.CPURatio = rep.Serve.CPUPerOp / rep.Child.CPUPerOp
		rep.ColdCPURatio = rep.ColdCPUPerOp / rep.Child.CPUPerOp
	}
	return nil
}

package run

import (
	"context"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/gateway"
	"github.com/harmonyhq/harmony/bench/internal/load"
	"github.com/harmonyhq/harmony/bench/internal/procstat"
)

// Vias: what a row drove.
const (
	ViaGateway = "gateway"
	ViaBare    = "bare"
	ViaServe   = "serve"
)

// scalingWorkers are the bare fan-out's steps of the instrument check.
var scalingWorkers = []int{1, 10, 50}

// measure runs every phase of the demo's operations on the gateway child
// and the bare fan-out.
func (b *bench) measure(ctx context.Context) error {
	P := b.o.Phase
	pair := func(profile string, op Operation, mode string, clients int) error {
		g, err := b.phase(ctx, phaseSpec{profile: profile, op: op, load: mode, clients: clients, via: ViaGateway, gw: b.child, d: P})
		if err != nil {
			return err
		}
		bare, err := b.phase(ctx, phaseSpec{profile: profile, op: op, load: mode, clients: clients, via: ViaBare, d: P})
		if err != nil {
			return err
		}
		if bare.P50MS > 0 {
			g.OverBare = g.P50MS / bare.P50MS
		}
		b.rep.Rows = append(b.rep.Rows, g, bare)
		return nil
	}
	if err := b.setProfile(ctx, "latency", latencyProfile); err != nil {
		return err
	}
	for _, op := range Operations() {
		b.warm(ctx, op)
		for _, l := range []struct {
			mode    string
			clients int
		}{{Closed, 1}, {Closed, 10}, {Open, 10}} {
			if err := pair("latency", op, l.mode, l.clients); err != nil {
				return err
			}
		}
	}
	if err := b.bareSteps(ctx, "latency", operation(Op360), []int{50}); err != nil {
		return err
	}
	b.logf("peak RSS: %s with 50 concurrent clients", Op360)
	r, err := b.phase(ctx, phaseSpec{profile: "latency", op: operation(Op360), load: Closed, clients: 50, via: ViaGateway, gw: b.child, d: P})
	if err != nil {
		return err
	}
	b.rep.Rows = append(b.rep.Rows, r)
	b.rep.RSS50MB = r.PeakRSSMB
	if n, err := procstat.FileRSS(b.child.p.pid()); err == nil {
		b.rep.RSS50FileMB = float64(n) / (1 << 20)
	}

	if err := b.setProfile(ctx, "degraded", degradedProfile()); err != nil {
		return err
	}
	if err := pair("degraded", operation(Op360), Closed, 1); err != nil {
		return err
	}

	if err := b.setProfile(ctx, "zero", zeroProfile); err != nil {
		return err
	}
	for _, op := range Operations() {
		b.warm(ctx, op)
		profiled := b.cpuProfile(ctx, op.Name)
		g, err := b.phase(ctx, phaseSpec{profile: "zero", op: op, load: Closed, clients: 10, via: ViaGateway, gw: b.child, d: P})
		if err := profiled(); err != nil {
			return err
		}
		if err != nil {
			return err
		}
		bare, err := b.phase(ctx, phaseSpec{profile: "zero", op: op, load: Closed, clients: 10, via: ViaBare, d: P})
		if err != nil {
			return err
		}
		if bare.P50MS > 0 {
			g.OverBare = g.P50MS / bare.P50MS
		}
		b.rep.Rows = append(b.rep.Rows, g, bare)
	}
	if err := b.bareSteps(ctx, "zero", operation(Op360), []int{1, 50}); err != nil {
		return err
	}
	for _, profile := range []string{"latency", "zero"} {
		b.rep.Scaling = append(b.rep.Scaling, scalingOf(b.rep, profile, Op360))
	}
	return nil
}

// bareSteps runs the bare fan-out of op at each number of closed-loop
// workers, for the instrument's scaling check.
func (b *bench) bareSteps(ctx context.Context, profile string, op Operation, workers []int) error {
	for _, n := range workers {
		r, err := b.phase(ctx, phaseSpec{profile: profile, op: op, load: Closed, clients: n, via: ViaBare, d: b.o.Phase})
		if err != nil {
			return err
		}
		b.rep.Rows = append(b.rep.Rows, r)
	}
	return nil
}

// warm runs op a few times, unmeasured, so that connections and caches of
// the Go runtime are in place.
func (b *bench) warm(ctx context.Context, op Operation) {
	fn := b.child.cl.opFunc(op, b.targets)
	bare := b.fanouts[op.Name]
	for range 20 {
		_ = fn(ctx)
		_ = bare.Do(ctx)
	}
}

// phaseSpec is one measured phase.
type phaseSpec struct {
	profile string
	op      Operation
	load    string // Closed or Open
	// clients are the closed loop's workers, or for Open the rate of that
	// many clients each issuing op once per op.PeriodMS.
	clients int
	via     string // ViaGateway, ViaServe or ViaBare
	gw      *gw    // the gateway driven (nil for the bare fan-out)
	d       time.Duration
	// do replaces the operation's own function (the peer's bare fan-out).
	do load.Op
	// targets are the customers asked (b.targets when nil).
	targets []target
	// slowest is the slowest upstream the operation calls.
	slowest time.Duration
}

// phase drives one phase and measures it: latencies, the upstreams'
// calls, the gateway's CPU, peak RSS, store round trips and batches.
func (b *bench) phase(ctx context.Context, s phaseSpec) (Row, error) {
	rate := 0.0
	if s.load == Open {
		rate = float64(s.clients) * 1000 / float64(s.op.PeriodMS)
		b.logf("%-8s %-12s %-7s open %5.1f/s for %s", s.profile, s.op.Name, s.via, rate, s.d)
	} else {
		b.logf("%-8s %-12s %-7s closed, %2d in flight, for %s", s.profile, s.op.Name, s.via, s.clients, s.d)
	}
	targets := s.targets
	if targets == nil {
		targets = b.targets
	}
	do := s.do
	switch {
	case do != nil:
	case s.via == ViaBare:
		do = b.fanouts[s.op.Name].Do
	default:
		do = s.gw.cl.opFunc(s.op, targets)
	}
	if s.slowest == 0 && s.do == nil {
		s.slowest = b.slowest(b.calls[s.op.Name])
	}
	if s.gw != nil && s.gw.child {
		if err := b.settle(ctx, s.gw, s.op, targets); err != nil {
			return Row{}, err
		}
	}
	if err := b.ups.Reset(ctx); err != nil {
		return Row{}, err
	}
	var st0, st1 gateway.Stats
	var calls0, calls1 map[string]float64
	var cpu0, cpu1 time.Duration
	var rss func() float64
	var err error
	if s.gw != nil {
		if st0, err = b.gwStats(ctx, s.gw); err != nil {
			return Row{}, err
		}
		if s.gw.harmony {
			if calls0, err = s.gw.cl.connectorCalls(ctx); err != nil {
				return Row{}, err
			}
		}
		if cpu0, err = procstat.CPU(s.gw.p.pid()); err != nil {
			return Row{}, err
		}
		rss = peakRSS(s.gw.p)
	}
	up0, err := procstat.CPU(b.up.pid())
	if err != nil {
		return Row{}, err
	}
	busy0, total0, err := procstat.Machine()
	if err != nil {
		return Row{}, err
	}
	self0, err := procstat.CPU(os.Getpid())
	if err != nil {
		return Row{}, err
	}
	var res load.Result
	if s.load == Open {
		res = load.Open(ctx, do, rate, s.d)
	} else {
		res = load.Closed(ctx, do, s.clients, s.d)
	}
	up1, err := procstat.CPU(b.up.pid())
	if err != nil {
		return Row{}, err
	}
	busy1, total1, err := procstat.Machine()
	if err != nil {
		return Row{}, err
	}
	self1, err := procstat.CPU(os.Getpid())
	if err != nil {
		return Row{}, err
	}
	row := Row{Profile: s.profile, Op: s.op.Name, Load: s.load, Clients: s.clients, Via: s.via, Rate: rate,
		RPS: res.RPS(), Done: res.Done(), Errors: res.Errors,
		P50MS: ms(res.Quantile(0.50)), P95MS: ms(res.Quantile(0.95)), P99MS: ms(res.Quantile(0.99)),
		SlowestMS: ms(s.slowest), Routes: map[string]float64{}}
	own := (up1 - up0) + (self1 - self0)
	if res.Elapsed > 0 {
		row.UpstreamCPU = ms(up1-up0) / res.Elapsed.Seconds()
	}
	if total1 > total0 {
		row.MachineBusy = float64(busy1-busy0) / float64(total1-total0)
	}
	if res.Errors > 0 {
		b.logf("%s %s %s: %d of %d failed, first: %v", s.profile, s.op.Name, s.via, res.Errors, res.Done(), res.FirstError)
	}
	n := float64(res.Done())
	if n == 0 {
		return row, fmt.Errorf("%s %s %s: no operation ended", s.profile, s.op.Name, s.via)
	}
	counts, err := b.ups.Counts(ctx)
	if err != nil {
		return Row{}, err
	}
	for name, c := range counts {
		row.UpstreamPerOp += float64(c.Total) / n
		for route, k := range c.Routes {
			v := float64(k) / n
			row.Routes[name+" "+route] = v
			row.MaxPerRoute = max(row.MaxPerRoute, v)
		}
	}
	if row.SlowestMS > 0 {
		row.Ratio = row.P50MS / row.SlowestMS
	}
	if s.gw != nil {
		if cpu1, err = procstat.CPU(s.gw.p.pid()); err != nil {
			return Row{}, err
		}
		row.CPUPerOp = float64((cpu1 - cpu0).Microseconds()) / n
		row.PeakRSSMB = rss()
		own += cpu1 - cpu0
		if s.gw.harmony {
			if calls1, err = s.gw.cl.connectorCalls(ctx); err != nil {
				return Row{}, err
			}
			row.Calls = map[string]float64{}
			for k, v := range calls1 {
				if d := (v - calls0[k]) / n; d > 0 {
					row.Calls[k] = d
					row.MaxPerCapability = max(row.MaxPerCapability, d)
				}
			}
		}
		if st1, err = b.gwStats(ctx, s.gw); err != nil {
			return Row{}, err
		}
		if s.gw.child {
			fillStats(&row, st0, st1, n)
		}
	}
	if res.Elapsed > 0 {
		row.OwnCores = own.Seconds() / res.Elapsed.Seconds()
	}
	return row, nil
}

// gwStats reads a gateway child's figures; other gateways have none.
func (b *bench) gwStats(ctx context.Context, g *gw) (gateway.Stats, error) {
	if !g.child {
		return gateway.Stats{}, nil
	}
	return g.cl.stats(ctx)
}

// fillStats writes the store round trips and loader batches between st0
// and st1 into row, per operation of n.
func fillStats(row *Row, st0, st1 gateway.Stats, n float64) {
	trips := st1.StoreRoundTrips - st0.StoreRoundTrips
	row.StorePerOp = float64(trips) / n
	if trips > 0 {
		row.StoreTripMS = float64(st1.StoreWaitedNS-st0.StoreWaitedNS) / float64(trips) / 1e6
	}
	row.Batches = map[string]BatchWait{}
	for cause, b1 := range st1.Batches {
		b0 := st0.Batches[cause]
		if c := b1.Batches - b0.Batches; c > 0 {
			row.Batches[cause] = BatchWait{PerOp: float64(c) / n, MeanWaitMS: (b1.WaitSeconds - b0.WaitSeconds) * 1000 / float64(c)}
		}
	}
}

// settle waits, calling op once a second, until every circuit breaker of
// the gateway child is closed again after a phase that overloaded it, so
// that each phase starts from a healthy gateway.
func (b *bench) settle(ctx context.Context, g *gw, op Operation, targets []target) error {
	fn := g.cl.opFunc(op, targets)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := g.cl.stats(ctx)
		if err != nil {
			return err
		}
		if len(st.NotClosed) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("circuit breakers of %v still not closed after 2 minutes", st.NotClosed)
		}
		b.logf("waiting for the circuit breakers of %v to close", st.NotClosed)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		_ = fn(ctx)
	}
}

// sortedKeys lists m's keys in order.
func sortedKeys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

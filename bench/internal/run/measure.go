package run

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/load"
	"github.com/harmonyhq/harmony/bench/internal/procstat"
)

// measure runs every phase.
func (b *bench) measure(ctx context.Context) error {
	profiles := []struct {
		name string
		p    map[string]time.Duration
		ops  []Operation
	}{
		{"latency", latencyProfile, Operations()},
		{"zero", zeroProfile, Operations()},
		{"degraded", degradedProfile(), Operations()[1:2]},
	}
	for _, pr := range profiles {
		b.setProfile(pr.name, pr.p)
		for _, op := range pr.ops {
			b.warm(ctx, op)
			for _, clients := range []int{1, 10} {
				gw, err := b.phase(ctx, pr.name, op, clients, "gateway")
				if err != nil {
					return err
				}
				bare, err := b.phase(ctx, pr.name, op, clients, "bare")
				if err != nil {
					return err
				}
				if bare.P50MS > 0 {
					gw.OverBare = gw.P50MS / bare.P50MS
				}
				b.rep.Rows = append(b.rep.Rows, gw, bare)
			}
		}
	}
	b.setProfile("zero", zeroProfile)
	for _, op := range Operations() {
		t, err := b.throughput(ctx, op)
		if err != nil {
			return err
		}
		b.rep.Throughput = append(b.rep.Throughput, t)
	}
	b.setProfile("latency", latencyProfile)
	b.logf("peak RSS: customer360 with 50 concurrent clients")
	if err := b.settle(ctx, Operations()[1]); err != nil {
		return err
	}
	rss := b.peakRSS()
	r := load.Closed(ctx, b.cl.opFunc(Operations()[1], b.ids), 50, b.o.Phase)
	if r.Errors > 0 {
		b.logf("customer360 at 50 concurrent: %d of %d failed, first: %v", r.Errors, r.Done(), r.FirstError)
	}
	b.rep.RSS50MB = rss()
	if n, err := procstat.FileRSS(b.gw.pid()); err == nil {
		b.rep.RSS50FileMB = float64(n) / (1 << 20)
	}
	return nil
}

// warm runs op a few times, unmeasured, so that connections and caches of
// the Go runtime are in place.
func (b *bench) warm(ctx context.Context, op Operation) {
	fn := b.cl.opFunc(op, b.ids)
	bare := b.fanout(op.Name)
	for range 20 {
		_ = fn(ctx)
		_ = bare.Do(ctx)
	}
}

// phase drives op at clients × (1 / op.Period) for b.o.Phase through the
// gateway or the bare fan-out.
func (b *bench) phase(ctx context.Context, profile string, op Operation, clients int, via string) (Row, error) {
	rate, d := float64(clients)*1000/float64(op.PeriodMS), b.o.Phase
	if clients == 1 {
		// One client: a shorter period, never shorter than the slowest
		// upstream allows, and twice the time, for enough samples.
		solo := max(time.Duration(op.SoloMS)*time.Millisecond, b.slowest(op.Name)*3/2)
		rate, d = float64(time.Second)/float64(solo), 2*b.o.Phase
	}
	b.logf("%-8s %-11s %2d client(s) %-7s %.1f/s for %s", profile, op.Name, clients, via, rate, d)
	do := b.cl.opFunc(op, b.ids)
	if via == "bare" {
		do = b.fanout(op.Name).Do
	}
	if err := b.settle(ctx, op); err != nil {
		return Row{}, err
	}
	b.sims.Reset()
	st0, err := b.cl.stats(ctx)
	if err != nil {
		return Row{}, err
	}
	cpu0, err := procstat.CPU(b.gw.pid())
	if err != nil {
		return Row{}, err
	}
	rss := b.peakRSS()
	res := load.Open(ctx, do, rate, d)
	cpu1, err := procstat.CPU(b.gw.pid())
	if err != nil {
		return Row{}, err
	}
	st1, err := b.cl.stats(ctx)
	if err != nil {
		return Row{}, err
	}
	if res.Errors > 0 {
		b.logf("%s %s %s at %d clients: %d of %d failed, first: %v", profile, op.Name, via, clients, res.Errors, res.Done(), res.FirstError)
	}
	row := Row{Profile: profile, Op: op.Name, Clients: clients, Via: via, Rate: rate,
		RPS: res.RPS(), Done: res.Done(), Errors: res.Errors,
		P50MS: ms(res.Quantile(0.50)), P95MS: ms(res.Quantile(0.95)), P99MS: ms(res.Quantile(0.99)),
		SlowestMS: ms(b.slowest(op.Name)), Routes: map[string]float64{}}
	n := float64(res.Done())
	if n == 0 {
		return row, fmt.Errorf("%s %s: no operation ended", profile, op.Name)
	}
	for _, sim := range b.sims.All() {
		row.UpstreamPerOp += float64(sim.Total()) / n
		for route, c := range sim.Counts() {
			v := float64(c) / n
			row.Routes[sim.Name()+" "+route] = v
			row.MaxPerRoute = max(row.MaxPerRoute, v)
		}
	}
	if row.SlowestMS > 0 {
		row.Ratio = row.P50MS / row.SlowestMS
	}
	if via == "gateway" {
		row.StorePerOp = float64(st1.StoreRoundTrips-st0.StoreRoundTrips) / n
		if trips := st1.StoreRoundTrips - st0.StoreRoundTrips; trips > 0 {
			row.StoreTripMS = float64(st1.StoreWaitedNS-st0.StoreWaitedNS) / float64(trips) / 1e6
		}
		row.Batches = map[string]BatchWait{}
		for cause, b1 := range st1.Batches {
			b0 := st0.Batches[cause]
			if c := b1.Batches - b0.Batches; c > 0 {
				row.Batches[cause] = BatchWait{PerOp: float64(c) / n, MeanWaitMS: (b1.WaitSeconds - b0.WaitSeconds) * 1000 / float64(c)}
			}
		}
		row.CPUPerOp = float64((cpu1 - cpu0).Microseconds()) / n
		row.PeakRSSMB = rss()
	}
	return row, nil
}

// settle waits, calling op once a second, until every circuit breaker of
// the gateway is closed again after a phase that overloaded it, so that
// each phase starts from a healthy gateway.
func (b *bench) settle(ctx context.Context, op Operation) error {
	fn := b.cl.opFunc(op, b.ids)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		st, err := b.cl.stats(ctx)
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

// throughput runs op with 10 closed-loop workers through the gateway and
// the bare fan-out, at 0 ms upstreams.
func (b *bench) throughput(ctx context.Context, op Operation) (Throughput, error) {
	b.logf("throughput %-11s 10 workers, gateway then bare, %s each", op.Name, b.o.Phase)
	if err := b.settle(ctx, op); err != nil {
		return Throughput{}, err
	}
	cpu0, err := procstat.CPU(b.gw.pid())
	if err != nil {
		return Throughput{}, err
	}
	profiled := b.cpuProfile(ctx, op.Name)
	gw := load.Closed(ctx, b.cl.opFunc(op, b.ids), 10, b.o.Phase)
	if err := profiled(); err != nil {
		return Throughput{}, err
	}
	cpu1, err := procstat.CPU(b.gw.pid())
	if err != nil {
		return Throughput{}, err
	}
	bare := load.Closed(ctx, b.fanout(op.Name).Do, 10, b.o.Phase)
	for _, r := range []load.Result{gw, bare} {
		if r.Errors > 0 {
			b.logf("throughput %s: %d of %d failed, first: %v", op.Name, r.Errors, r.Done(), r.FirstError)
		}
	}
	t := Throughput{Op: op.Name, Gateway: gw.RPS(), Bare: bare.RPS(), Errors: gw.Errors + bare.Errors}
	if t.Bare > 0 {
		t.Ratio = t.Gateway / t.Bare
	}
	if gw.Done() > 0 {
		t.CPUPerOp = float64((cpu1 - cpu0).Microseconds()) / float64(gw.Done())
	}
	return t, nil
}

// sortedRoutes lists a row's routes by name.
func sortedRoutes(r Row) []string {
	out := make([]string, 0, len(r.Routes))
	for k := range r.Routes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

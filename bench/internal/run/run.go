// Package run is `make bench`: it starts the channel simulators, links
// their customers with the gateway's real identity sync, starts the
// gateway as a child process over an in-memory profile store, drives each
// operation at a constant rate under fixed upstream latencies and at 0 ms,
// replays the same upstream calls as a bare Go fan-out, and prints and
// writes the figures and issue 7's targets.
package run

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/fanout"
	"github.com/harmonyhq/harmony/bench/internal/gateway"
	"github.com/harmonyhq/harmony/bench/internal/procstat"
	"github.com/harmonyhq/harmony/internal/simulators"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// Options tune a run.
type Options struct {
	People       int
	Phase        time.Duration // each measured phase
	StoreLatency time.Duration
	// Results is the directory the JSON report goes to; none when empty.
	Results string
	// Profiles, when set, is where the gateway's CPU profile of each
	// throughput phase is written (<operation>.pprof).
	Profiles string
	// GatewayMemLimit, when set, is the gateway child's GOMEMLIMIT (the Go
	// runtime's soft memory limit, e.g. "48MiB"); the bench process keeps
	// its own.
	GatewayMemLimit string
	Out             io.Writer // the tables
	Log             io.Writer // progress and the gateway's warnings
}

// Latency profiles: each system's injected latency.
var (
	latencyProfile = map[string]time.Duration{
		population.CRM: 5 * time.Millisecond, population.Shop: 10 * time.Millisecond,
		population.Mailing: 12 * time.Millisecond, population.Calls: 15 * time.Millisecond,
		population.Helpdesk: 20 * time.Millisecond,
	}
	zeroProfile = map[string]time.Duration{}
	// degradedProfile is latencyProfile with the shop slow.
	degradedSystem  = population.Shop
	degradedLatency = 200 * time.Millisecond
)

func degradedProfile() map[string]time.Duration {
	p := map[string]time.Duration{}
	for k, v := range latencyProfile {
		p[k] = v
	}
	p[degradedSystem] = degradedLatency
	return p
}

// bench is one run's state.
type bench struct {
	o       Options
	sims    *simulators.Set
	gw      *child
	cl      *client
	bare    *http.Client
	ids     []string
	hosts   map[string]string // simulator host:port -> name
	calls   map[string][]gatewayCall
	profile map[string]time.Duration
	rep     *Report
}

type gatewayCall = gateway.Call

// Run runs the benchmark.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := checkMemLimit(o.GatewayMemLimit); err != nil {
		return nil, err
	}
	b := &bench{o: o, calls: map[string][]gatewayCall{}, hosts: map[string]string{}}
	b.rep = &Report{StartedAt: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), People: o.People,
		DurationSec: o.Phase.Seconds(), StoreMS: ms(o.StoreLatency), Skipped: gateway.Skipped,
		Store:     fmt.Sprintf("in-memory (bench/internal/memstore), fixed %s per round trip; not FerretDB, which scans whole collections", o.StoreLatency),
		Latencies: map[string]map[string]float64{}, GatewayMemLimit: o.GatewayMemLimit}
	dir, err := os.MkdirTemp("", "harmony-bench-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()

	b.logf("starting the channel simulators (%d people)", o.People)
	if b.sims, err = startSimulators(ctx, dir, o.People); err != nil {
		return nil, err
	}
	defer func() { _ = b.sims.Close() }()
	for _, sim := range b.sims.All() {
		if u, err := url.Parse(sim.URL()); err == nil && u.Host != "" {
			b.hosts[u.Host] = sim.Name()
		}
	}
	b.logf("linking identities with the real sync (embedded FerretDB, closed before measuring)")
	snap, err := syncIdentities(ctx, dir, b.sims)
	if err != nil {
		return nil, err
	}
	b.ids = benchCustomers(snap, []string{population.CRM, population.Shop, population.Helpdesk, population.Mailing, population.Calls}, 200)
	if len(b.ids) == 0 {
		return nil, fmt.Errorf("no customer has a record in every system")
	}
	snapPath := filepath.Join(dir, "snapshot.json")
	if err := snap.Save(snapPath); err != nil {
		return nil, err
	}
	b.logf("starting the gateway (child process, store: %s)", b.rep.Store)
	vars := b.sims.Vars()
	if o.GatewayMemLimit != "" {
		vars["GOMEMLIMIT"] = o.GatewayMemLimit
	}
	if b.gw, err = startChild(ctx, snapPath, o.StoreLatency, vars, o.Log); err != nil {
		return nil, err
	}
	defer b.gw.stop()
	b.logf("gateway pid %d listening on %s (/debug/pprof/ for go tool pprof)", b.gw.pid(), b.gw.addr)
	b.cl = newClient(b.gw.addr)
	b.bare = &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256, IdleConnTimeout: 90 * time.Second}}

	if b.rep.IdleCPUMSPerS, err = b.idleCPU(ctx, 3*time.Second); err != nil {
		return nil, err
	}
	if n, err := procstat.RSS(b.gw.pid()); err == nil {
		b.rep.IdleRSSMB = float64(n) / (1 << 20)
	}
	if err := b.recordCalls(ctx); err != nil {
		return nil, err
	}
	if err := b.measure(ctx); err != nil {
		return nil, err
	}
	b.logf("measuring the dataloader wait in process")
	if b.rep.LoaderWait, err = measureLoaderWait(ctx, 300, 5); err != nil {
		return nil, err
	}
	b.rep.Targets = targets(b.rep)
	b.rep.Notes = notes(b.rep)
	printReport(o.Out, b.rep)
	if o.Results != "" {
		path, err := writeReport(o.Results, b.rep)
		if err != nil {
			return nil, err
		}
		_, _ = fmt.Fprintf(o.Out, "\nresults: %s\n", path)
	}
	return b.rep, nil
}

func (b *bench) logf(format string, args ...any) {
	_, _ = fmt.Fprintf(b.o.Log, "bench: "+format+"\n", args...)
}

// setProfile injects p's latencies (0 for systems it does not name).
func (b *bench) setProfile(name string, p map[string]time.Duration) {
	b.profile = p
	out := map[string]float64{}
	for _, sim := range b.sims.All() {
		sim.SetLatency(p[sim.Name()])
		out[sim.Name()] = ms(p[sim.Name()])
	}
	b.rep.Latencies[name] = out
}

// recordCalls records, at 0 ms, the upstream calls one run of each
// operation makes: the bare fan-out replays them.
func (b *bench) recordCalls(ctx context.Context) error {
	b.setProfile("zero", zeroProfile)
	for _, op := range Operations() {
		fn := b.cl.opFunc(op, b.ids)
		calls, err := b.cl.record(ctx, func() error { return fn(ctx) })
		if err != nil {
			return fmt.Errorf("record %s: %w", op.Name, err)
		}
		b.calls[op.Name] = calls
		var bytes int64
		for _, c := range calls {
			bytes += c.Answered
		}
		b.rep.UpstreamKB = append(b.rep.UpstreamKB, OpBytes{Op: op.Name, Calls: len(calls), KB: float64(bytes) / 1024})
		b.logf("%s: %d upstream calls recorded, %.1f KB answered", op.Name, len(calls), float64(bytes)/1024)
	}
	return nil
}

// idleCPU is the gateway's CPU time per second while nothing calls it.
func (b *bench) idleCPU(ctx context.Context, d time.Duration) (float64, error) {
	cpu0, err := procstat.CPU(b.gw.pid())
	if err != nil {
		return 0, err
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(d):
	}
	cpu1, err := procstat.CPU(b.gw.pid())
	if err != nil {
		return 0, err
	}
	return ms(cpu1-cpu0) / d.Seconds(), nil
}

// slowest is the slowest injected latency among the systems op calls.
func (b *bench) slowest(op string) time.Duration {
	var d time.Duration
	for _, c := range b.calls[op] {
		if u, err := url.Parse(c.URL); err == nil {
			d = max(d, b.profile[b.hosts[u.Host]])
		}
	}
	return d
}

func (b *bench) fanout(op string) *fanout.Fanout {
	return &fanout.Fanout{Client: b.bare, Calls: b.calls[op]}
}

// peakRSS resets the gateway's peak RSS and returns a function reading it.
func (b *bench) peakRSS() func() float64 {
	_ = procstat.ResetPeakRSS(b.gw.pid())
	return func() float64 {
		n, err := procstat.PeakRSS(b.gw.pid())
		if err != nil {
			return 0
		}
		return float64(n) / (1 << 20)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

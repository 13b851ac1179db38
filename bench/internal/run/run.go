// Package run is `make bench`. It starts the upstreams in a process of
// their own (the demo's channel simulators, the point of sale on
// PostgreSQL, and three peer GraphQL subgraphs), links their customers with
// the gateway's real identity sync, and measures:
//
//   - the bench's gateway child (the real guard, loaders, resolvers and
//     server over an in-memory profile store with a fixed round trip) on
//     the demo configuration, each operation with closed-loop clients (N in
//     flight) and, labelled as such, at a constant rate, beside a bare Go
//     fan-out of the same upstream calls; first it checks that the bare
//     fan-out's throughput grows with workers, or declares the instrument
//     invalid;
//   - `harmony serve` itself (the embedded store, audit on) asked the same
//     customer 360, CPU per operation against the child's;
//   - the peer comparison: the three subgraphs behind movio/bramble (when
//     BRAMBLE names its binary), behind Harmony's graphql connectors on
//     either store, and behind a bare fan-out, in interleaved rounds;
//
// and prints every figure and one table of the targets, met or not.
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

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/harmonyhq/harmony/bench/internal/fanout"
	"github.com/harmonyhq/harmony/bench/internal/gateway"
	"github.com/harmonyhq/harmony/bench/internal/peer"
	"github.com/harmonyhq/harmony/bench/internal/procstat"
	"github.com/harmonyhq/harmony/bench/internal/upstreams"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// Options tune a run.
type Options struct {
	People       int
	Phase        time.Duration // each measured phase of the demo's operations
	StoreLatency time.Duration
	// POSDSN is the PostgreSQL database the point of sale runs in.
	POSDSN string
	// Harmony is the harmony binary measured as `harmony serve`.
	Harmony string
	// ServePhase is how long `harmony serve` is driven (its embedded store
	// makes each operation slow).
	ServePhase time.Duration
	// Bramble is the movio/bramble binary of the peer rows; empty skips
	// them.
	Bramble string
	// PeerRounds and PeerPhase size the peer comparison: rounds of every
	// contender, each phase PeerPhase long.
	PeerRounds int
	PeerPhase  time.Duration
	// Results is the directory the JSON report goes to; none when empty.
	Results string
	// Profiles, when set, is where the gateway's CPU profile of each
	// throughput phase is written (<operation>.pprof).
	Profiles string
	// GatewayMemLimit, when set, is the gateway child's GOMEMLIMIT (the Go
	// runtime's soft memory limit, e.g. "48MiB").
	GatewayMemLimit string
	Out             io.Writer // the tables
	Log             io.Writer // progress and the children's warnings
}

// Latency profiles: each system's injected latency.
var (
	latencyProfile = map[string]time.Duration{
		population.CRM: 5 * time.Millisecond, population.Shop: 10 * time.Millisecond, population.POS: 8 * time.Millisecond,
		population.Mailing: 12 * time.Millisecond, population.Calls: 15 * time.Millisecond,
		population.Helpdesk: 20 * time.Millisecond,
	}
	zeroProfile = map[string]time.Duration{}
	// degradedProfile is latencyProfile with the shop slow.
	degradedSystem  = population.Shop
	degradedLatency = 200 * time.Millisecond
	// peerLatency is every subgraph's latency in the peer's latency rows.
	peerLatency = 10 * time.Millisecond
)

func degradedProfile() map[string]time.Duration {
	p := map[string]time.Duration{}
	for k, v := range latencyProfile {
		p[k] = v
	}
	p[degradedSystem] = degradedLatency
	return p
}

// urlVars name each system of the upstreams' variables.
var urlVars = map[string]string{
	"CRM_URL": population.CRM, "SHOP_URL": population.Shop, "HELPDESK_URL": population.Helpdesk,
	"MAILING_URL": population.Mailing, "CALLS_URL": population.Calls,
	"SMS_URL": population.SMS, "SOCIAL_URL": population.Social, "ANALYTICS_URL": population.Analytics, "CHATBOT_URL": population.Chatbot,
	peer.URLVar(peer.Profile): peer.Profile, peer.URLVar(peer.Orders): peer.Orders, peer.URLVar(peer.Interactions): peer.Interactions,
}

// gw is one gateway the bench drives: a process and its client.
type gw struct {
	name string
	p    *proc
	cl   *client
	// child is set for the bench's own gateway child, which reports its
	// store round trips and loader batches.
	child bool
	// harmony is set for Harmony gateways, whose /metrics count their
	// upstream calls.
	harmony bool
}

// bench is one run's state.
type bench struct {
	o       Options
	dir     string
	up      *proc
	ups     *upstreams.Client
	vars    map[string]string
	hosts   map[string]string // upstream host:port -> system
	bare    *http.Client
	db      *pgxpool.Pool
	profile map[string]time.Duration
	rep     *Report

	// The demo part.
	demoCfg  *config.Config
	demoPath string
	demo     *synced
	child    *gw
	targets  []target
	calls    map[string]gateway.Recording
	fanouts  map[string]*fanout.Fanout
}

// Run runs the benchmark.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := checkMemLimit(o.GatewayMemLimit); err != nil {
		return nil, err
	}
	b := &bench{o: o, hosts: map[string]string{}, calls: map[string]gateway.Recording{}, fanouts: map[string]*fanout.Fanout{}}
	b.rep = &Report{StartedAt: time.Now().UTC(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), People: o.People,
		DurationSec: o.Phase.Seconds(), StoreMS: ms(o.StoreLatency),
		Store:     fmt.Sprintf("in-memory (bench/internal/memstore), fixed %s per round trip", o.StoreLatency),
		Latencies: map[string]map[string]float64{}, GatewayMemLimit: o.GatewayMemLimit}
	dir, err := os.MkdirTemp("", "harmony-bench-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	b.dir = dir
	defer func() { _ = os.RemoveAll(dir) }()

	b.logf("starting the upstreams in their own process (%d people, the point of sale on PostgreSQL)", o.People)
	if b.up, b.ups, err = startUpstreams(ctx, o); err != nil {
		return nil, err
	}
	defer b.up.stop()
	if b.vars, err = b.ups.Vars(ctx); err != nil {
		return nil, err
	}
	for v, name := range urlVars {
		if u, err := url.Parse(b.vars[v]); err == nil && u.Host != "" {
			b.hosts[u.Host] = name
		}
	}
	b.bare = &http.Client{Timeout: 60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256, IdleConnTimeout: 90 * time.Second}}
	// The bare fan-out's pool is large enough never to queue its reads.
	pc, err := pgxpool.ParseConfig(b.vars["POS_DSN"])
	if err != nil {
		return nil, fmt.Errorf("the bare fan-out's point of sale pool: %w", err)
	}
	pc.MaxConns = 32
	if b.db, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
		return nil, fmt.Errorf("the bare fan-out's point of sale pool: %w", err)
	}
	defer b.db.Close()

	if err := b.runDemo(ctx); err != nil {
		return nil, err
	}
	if err := b.runPeer(ctx); err != nil {
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
func (b *bench) setProfile(ctx context.Context, name string, p map[string]time.Duration) error {
	b.profile = p
	out := map[string]float64{}
	for k, v := range p {
		out[k] = ms(v)
	}
	b.rep.Latencies[name] = out
	return b.ups.SetLatencies(ctx, p)
}

// startChild runs the bench's gateway child on the configuration at
// cfgPath over the snapshot's in-memory store.
func (b *bench) startChild(ctx context.Context, name, cfgPath, snapshot string) (*gw, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the bench binary: %w", err)
	}
	// The child serves the connectors only; the store's directory is
	// named because the configuration refers to it.
	env := b.withDataDir(filepath.Join(b.dir, "unused"))
	if b.o.GatewayMemLimit != "" {
		env["GOMEMLIMIT"] = b.o.GatewayMemLimit
	}
	p, err := startProc(ctx, procSpec{name: name, path: self,
		args: []string{"gateway", "--config", cfgPath, "--snapshot", snapshot, "--store-latency", b.o.StoreLatency.String()},
		env:  env, stderr: b.o.Log, ready: listeningLine})
	if err != nil {
		return nil, err
	}
	return &gw{name: name, p: p, cl: newClient(p.addr, "/graphql"), child: true, harmony: true}, nil
}

// startServe runs `harmony serve` on the configuration at cfgPath with the
// embedded store in dataDir, its logs in the bench's directory.
func (b *bench) startServe(ctx context.Context, name, cfgPath, dataDir string) (*gw, func(), error) {
	env := b.withDataDir(dataDir)
	logs, closeLogs, err := logTo(b.dir, name)
	if err != nil {
		return nil, nil, err
	}
	p, err := startProc(ctx, procSpec{name: name, path: b.o.Harmony,
		args: []string{"serve", "--config", cfgPath, "--addr", "127.0.0.1:0"},
		env:  env, stderr: logs, ready: serveLine, within: 3 * time.Minute})
	if err != nil {
		closeLogs()
		return nil, nil, fmt.Errorf("%w (its log: %s)", err, filepath.Join(b.dir, name+".log"))
	}
	return &gw{name: name, p: p, cl: newClient(p.addr, "/graphql"), harmony: true}, func() { p.stop(); closeLogs() }, nil
}

// slowest is the slowest injected latency among the systems rec calls.
func (b *bench) slowest(rec gateway.Recording) time.Duration {
	var d time.Duration
	for _, c := range rec.HTTP {
		if u, err := url.Parse(c.URL); err == nil {
			d = max(d, b.profile[b.hosts[u.Host]])
		}
	}
	if len(rec.SQL) > 0 {
		d = max(d, b.profile[population.POS])
	}
	return d
}

// fanoutOf is the bare fan-out of a recording.
func (b *bench) fanoutOf(cfg *config.Config, rec gateway.Recording) (*fanout.Fanout, error) {
	st, _, err := statements(cfg, rec.SQL)
	if err != nil {
		return nil, err
	}
	return &fanout.Fanout{Client: b.bare, Calls: rec.HTTP, DB: b.db, SQL: st}, nil
}

// idleCPU is p's CPU time per second while nothing calls it.
func idleCPU(ctx context.Context, p *proc, d time.Duration) (float64, error) {
	cpu0, err := procstat.CPU(p.pid())
	if err != nil {
		return 0, err
	}
	select {
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-time.After(d):
	}
	cpu1, err := procstat.CPU(p.pid())
	if err != nil {
		return 0, err
	}
	return ms(cpu1-cpu0) / d.Seconds(), nil
}

// peakRSS resets p's peak RSS and returns a function reading it, in MB.
func peakRSS(p *proc) func() float64 {
	_ = procstat.ResetPeakRSS(p.pid())
	return func() float64 {
		n, err := procstat.PeakRSS(p.pid())
		if err != nil {
			return 0
		}
		return float64(n) / (1 << 20)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

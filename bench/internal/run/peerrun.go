package run

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/fanout"
	"github.com/harmonyhq/harmony/bench/internal/peer"
	"github.com/harmonyhq/harmony/internal/config"
)

// The peer's contenders.
const (
	Bare          = "bare fan-out"
	Bramble       = "bramble"
	HarmonyMemory = "harmony, in-memory store"
	HarmonyServe  = "harmony serve, embedded store"
)

// peerClients is the closed-loop concurrency of the peer's throughput rows.
const peerClients = 50

// PeerReport is the peer comparison: every contender's phases, round by
// round, and the ratios of the table, medians of the rounds.
type PeerReport struct {
	Rounds   int     `json:"rounds"`
	PhaseSec float64 `json:"phase_seconds"`
	// Skipped says why bramble did not run ("" when it did).
	Skipped string       `json:"bramble_skipped,omitempty"`
	Results []PeerResult `json:"results"`
	Ratios  []PeerRatio  `json:"ratios"`
}

// PeerResult is one contender's phase in one round.
type PeerResult struct {
	Round     int     `json:"round"`
	Contender string  `json:"contender"`
	Op        string  `json:"operation"`
	Clients   int     `json:"clients"`
	LatencyMS float64 `json:"upstream_latency_ms"`
	RPS       float64 `json:"rps"`
	P50MS     float64 `json:"p50_ms"`
	// CPUPerOp is the gateway process's CPU µs per operation (none for the
	// bare fan-out, which runs in the bench).
	CPUPerOp      float64 `json:"cpu_us_per_op"`
	UpstreamPerOp float64 `json:"upstream_calls_per_op"`
	Done          int     `json:"done"`
	Errors        int     `json:"errors"`
}

// PeerRatio is one ratio of the table for one operation: its value
// in each round and their median.
type PeerRatio struct {
	Measure string    `json:"measure"`
	Op      string    `json:"operation"`
	Rounds  []float64 `json:"rounds"`
	Median  float64   `json:"median"`
	// Num and Den are the medians of what was divided, for the reader.
	Num     float64 `json:"numerator"`
	Den     float64 `json:"denominator"`
	Unit    string  `json:"unit"`
	Skipped string  `json:"skipped,omitempty"`
}

// peerStep is one phase of a round.
type peerStep struct {
	contender string
	op        string
	clients   int
	latency   time.Duration
}

// runPeer runs the peer comparison.
func (b *bench) runPeer(ctx context.Context) error {
	rep := &b.rep.Peer
	rep.Rounds, rep.PhaseSec = b.o.PeerRounds, b.o.PeerPhase.Seconds()
	if b.o.PeerRounds <= 0 {
		rep.Skipped = "peer rounds: 0"
		return nil
	}
	if b.o.Bramble == "" {
		rep.Skipped = "skipped: BRAMBLE not set"
	}
	cfgPath, err := writeFile(b.dir, "peer.yaml", peer.HarmonyYAML())
	if err != nil {
		return err
	}
	dataDir := filepath.Join(b.dir, "store-peer")
	cfg, err := config.Load(cfgPath, lookupIn(b.withDataDir(dataDir)))
	if err != nil {
		return err
	}
	b.logf("peer: linking the subgraphs' customers with the real sync (embedded FerretDB)")
	sy, err := syncIdentities(ctx, cfgPath, dataDir, b.vars, nil)
	if err != nil {
		return err
	}
	targets := pickTargets(sy.snap, peer.Subgraphs(), peer.Profile, 200)
	if len(targets) == 0 {
		return fmt.Errorf("peer: no customer is linked in the three subgraphs")
	}
	if err := b.setProfile(ctx, "zero", zeroProfile); err != nil {
		return err
	}
	gws := map[string]*gw{}
	child, err := b.startChild(ctx, "peer-gateway", cfgPath, sy.snapshot)
	if err != nil {
		return err
	}
	defer child.p.stop()
	gws[HarmonyMemory] = child
	serve, stop, err := b.startServe(ctx, "serve-peer", cfgPath, dataDir)
	if err != nil {
		return err
	}
	defer stop()
	gws[HarmonyServe] = serve
	if b.o.Bramble != "" {
		br, stop, err := b.startBramble(ctx, targets[0])
		if err != nil {
			// The rest of the comparison stands without it.
			b.logf("peer: bramble did not start: %v", err)
			rep.Skipped = "skipped: bramble did not start (" + b.o.Bramble + ")"
		} else {
			defer stop()
			gws[Bramble] = br
		}
	}
	// The bare fan-out replays the calls Harmony made.
	bare := map[string]*fanout.Fanout{}
	for _, op := range []string{PeerOne, PeerFifty} {
		o := peerOperation(op, false)
		fn := child.cl.opFunc(o, targets)
		rec, err := child.cl.record(ctx, func() error { return fn(ctx) })
		if err != nil {
			return fmt.Errorf("peer: record %s: %w", op, err)
		}
		if bare[op], err = b.fanoutOf(cfg, rec); err != nil {
			return err
		}
		b.logf("peer: %s: %d upstream calls recorded", op, len(rec.HTTP))
	}
	// The instrument: the subgraphs must not cap the bare fan-out.
	var steps []Row
	for _, n := range scalingWorkers {
		row, err := b.phase(ctx, phaseSpec{profile: "peer 0 ms", op: Operation{Name: PeerOne}, load: Closed, clients: n, via: ViaBare,
			d: b.o.PeerPhase, do: bare[PeerOne].Do, targets: targets})
		if err != nil {
			return err
		}
		steps = append(steps, row)
	}
	b.rep.Scaling = append(b.rep.Scaling, scalingFrom("peer 0 ms", "peer "+PeerOne, steps, b.rep.CPUs))
	for round := 1; round <= b.o.PeerRounds; round++ {
		for _, st := range peerSteps(round, gws[Bramble] != nil) {
			res, err := b.peerPhase(ctx, round, st, gws, bare, targets)
			if err != nil {
				return err
			}
			rep.Results = append(rep.Results, res)
		}
	}
	rep.Ratios = peerRatios(rep)
	return nil
}

// peerSteps are the phases of one round: at 0 ms upstreams, every
// contender at peerClients (its order turning with the round, so that none
// always runs first), then both Harmony stores at serveClients; at
// peerLatency, the one-client rows.
func peerSteps(round int, bramble bool) []peerStep {
	loaded := []string{Bare, HarmonyMemory}
	solo := []string{Bare, HarmonyMemory}
	if bramble {
		loaded = []string{Bare, Bramble, HarmonyMemory}
		solo = []string{Bare, Bramble, HarmonyMemory}
	}
	k := (round - 1) % len(loaded)
	loaded = append(slices.Clone(loaded[k:]), loaded[:k]...)
	var out []peerStep
	for _, op := range []string{PeerOne, PeerFifty} {
		for _, c := range loaded {
			out = append(out, peerStep{contender: c, op: op, clients: peerClients})
		}
		for _, c := range []string{HarmonyMemory, HarmonyServe} {
			out = append(out, peerStep{contender: c, op: op, clients: serveClients})
		}
	}
	for _, op := range []string{PeerOne, PeerFifty} {
		for _, c := range solo {
			out = append(out, peerStep{contender: c, op: op, clients: 1, latency: peerLatency})
		}
	}
	return out
}

// peerPhase runs one step.
func (b *bench) peerPhase(ctx context.Context, round int, st peerStep, gws map[string]*gw, bare map[string]*fanout.Fanout, targets []target) (PeerResult, error) {
	lat := map[string]time.Duration{}
	profile := "peer 0 ms"
	if st.latency > 0 {
		profile = fmt.Sprintf("peer %s", st.latency)
		for _, s := range peer.Subgraphs() {
			lat[s] = st.latency
		}
	}
	if err := b.setProfile(ctx, profile, lat); err != nil {
		return PeerResult{}, err
	}
	spec := phaseSpec{profile: profile, load: Closed, clients: st.clients, via: st.contender, d: b.o.PeerPhase,
		targets: targets, slowest: st.latency}
	if st.contender == Bare {
		spec.op = Operation{Name: st.op}
		spec.do = bare[st.op].Do
	} else {
		spec.gw = gws[st.contender]
		spec.op = peerOperation(st.op, st.contender == Bramble)
	}
	row, err := b.phase(ctx, spec)
	if err != nil {
		return PeerResult{}, fmt.Errorf("peer %s: %w", st.contender, err)
	}
	return PeerResult{Round: round, Contender: st.contender, Op: st.op, Clients: st.clients, LatencyMS: ms(st.latency),
		RPS: row.RPS, P50MS: row.P50MS, CPUPerOp: row.CPUPerOp, UpstreamPerOp: row.UpstreamPerOp,
		Done: row.Done, Errors: row.Errors}, nil
}

// startBramble runs the bramble binary over the three subgraphs, on
// loopback only, and waits until it answers the peer's operation.
func (b *bench) startBramble(ctx context.Context, t target) (*gw, func(), error) {
	var addrs [3]string
	for i := range addrs {
		a, err := freeAddr(ctx)
		if err != nil {
			return nil, nil, err
		}
		addrs[i] = a
	}
	var services []string
	for _, s := range peer.Subgraphs() {
		services = append(services, b.vars[peer.URLVar(s)]+"/graphql")
	}
	// Bramble's defaults, but for the addresses (loopback, free ports), its
	// log level and how often it asks each subgraph for its schema again
	// (10 s by default): its polls would count as upstream calls of the
	// other contenders' phases. It reads the schemas once at start.
	conf, err := json.MarshalIndent(map[string]any{
		"services":        services,
		"gateway-address": addrs[0],
		"private-address": addrs[1],
		"metrics-address": addrs[2],
		"poll-interval":   "1h",
	}, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	path, err := writeFile(b.dir, "bramble.json", conf)
	if err != nil {
		return nil, nil, err
	}
	logs, closeLogs, err := logTo(b.dir, "bramble")
	if err != nil {
		return nil, nil, err
	}
	cl := newClient(addrs[0], "/query")
	op := peerOperation(PeerOne, true)
	b.logf("peer: starting bramble (%s) on %s", b.o.Bramble, addrs[0])
	p, err := startProc(ctx, procSpec{name: "bramble", path: b.o.Bramble, args: []string{"-config", path, "-loglevel", "error"},
		stderr: logs, addr: addrs[0],
		probe: func(ctx context.Context, _ string) error { return cl.do(ctx, op.Query, op.Vars(t)) }})
	if err != nil {
		closeLogs()
		return nil, nil, fmt.Errorf("%w (its log: %s)", err, filepath.Join(b.dir, "bramble.log"))
	}
	return &gw{name: Bramble, p: p, cl: cl}, func() { p.stop(); closeLogs() }, nil
}

// The peer's ratios, as the table names them.
const (
	RatioThroughputBramble = "throughput at 50 clients, 0 ms: Harmony (in-memory store) ÷ bramble"
	RatioThroughputBare    = "throughput at 50 clients, 0 ms: Harmony (in-memory store) ÷ bare fan-out"
	RatioCPUBramble        = "CPU per operation at 50 clients: Harmony (in-memory store) ÷ bramble"
	RatioP50Bare           = "p50 at 1 client, 10 ms upstreams: Harmony (in-memory store) ÷ bare fan-out"
	RatioP50BrambleBare    = "p50 at 1 client, 10 ms upstreams: bramble ÷ bare fan-out"
	RatioCPUStores         = "CPU per operation at 2 clients: Harmony embedded store ÷ in-memory store"
)

// peerRatios computes each ratio of each operation, round by round.
func peerRatios(rep *PeerReport) []PeerRatio {
	find := func(round int, contender, op string, clients int, latencyMS float64) (PeerResult, bool) {
		for _, r := range rep.Results {
			if r.Round == round && r.Contender == contender && r.Op == op && r.Clients == clients && r.LatencyMS == latencyMS {
				return r, true
			}
		}
		return PeerResult{}, false
	}
	rps := func(r PeerResult) float64 { return r.RPS }
	cpu := func(r PeerResult) float64 { return r.CPUPerOp }
	p50 := func(r PeerResult) float64 { return r.P50MS }
	lat := ms(peerLatency)
	defs := []struct {
		measure  string
		num, den string
		clients  int
		latency  float64
		value    func(PeerResult) float64
		unit     string
		bramble  bool
	}{
		{RatioThroughputBramble, HarmonyMemory, Bramble, peerClients, 0, rps, "RPS", true},
		{RatioThroughputBare, HarmonyMemory, Bare, peerClients, 0, rps, "RPS", false},
		{RatioCPUBramble, HarmonyMemory, Bramble, peerClients, 0, cpu, "µs", true},
		{RatioP50Bare, HarmonyMemory, Bare, 1, lat, p50, "ms", false},
		{RatioP50BrambleBare, Bramble, Bare, 1, lat, p50, "ms", true},
		{RatioCPUStores, HarmonyServe, HarmonyMemory, serveClients, 0, cpu, "µs", false},
	}
	var out []PeerRatio
	for _, d := range defs {
		for _, op := range []string{PeerOne, PeerFifty} {
			pr := PeerRatio{Measure: d.measure, Op: op, Unit: d.unit}
			if d.bramble && rep.Skipped != "" {
				pr.Skipped = rep.Skipped
				out = append(out, pr)
				continue
			}
			var nums, dens []float64
			for round := 1; round <= rep.Rounds; round++ {
				n, ok1 := find(round, d.num, op, d.clients, d.latency)
				m, ok2 := find(round, d.den, op, d.clients, d.latency)
				if !ok1 || !ok2 || d.value(m) <= 0 {
					continue
				}
				nums, dens = append(nums, d.value(n)), append(dens, d.value(m))
				pr.Rounds = append(pr.Rounds, d.value(n)/d.value(m))
			}
			pr.Median, pr.Num, pr.Den = median(pr.Rounds), median(nums), median(dens)
			out = append(out, pr)
		}
	}
	return out
}

// median of xs, 0 for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// ratio returns the peer ratio of measure for op.
func (rep *PeerReport) ratio(measure, op string) (PeerRatio, bool) {
	for _, r := range rep.Ratios {
		if r.Measure == measure && r.Op == op {
			return r, true
		}
	}
	return PeerRatio{}, false
}

package run

import (
	"fmt"
	"strings"

	"github.com/harmonyhq/harmony/internal/loaders"
)

// Groups of the summary table.
const (
	GroupInstrument = "instrument"
	GroupDemo       = "demo upstreams"
	GroupPeer       = "peer"
)

// Verdicts.
const (
	VerdictMet    = "met"
	VerdictNotMet = "not met"
	VerdictNone   = "-"
)

// peerTargets are the targets of the peer ratios, by measure and
// operation; the other ratios are shown for comparison.
var peerTargets = map[[2]string]float64{
	{RatioThroughputBramble, PeerOne}:   3,
	{RatioThroughputBramble, PeerFifty}: 2,
}

func verdict(met bool) string {
	if met {
		return VerdictMet
	}
	return VerdictNotMet
}

// targets is the summary table: every target of issue 21 (and issue 7's
// still measured), with what the run measured and the verdict.
func targets(r *Report) []Target {
	var out []Target
	add := func(group, measure, target, value string, met bool, override string) {
		v := verdict(met)
		if override != "" {
			v, met = override, false
		}
		out = append(out, Target{Group: group, Measure: measure, Target: target, Value: value, Verdict: v, Met: met})
	}
	for _, s := range r.Scaling {
		var steps []string
		for i, w := range s.Workers {
			steps = append(steps, fmt.Sprintf("%d: %.0f RPS", w, s.RPS[i]))
		}
		v := "valid"
		if !s.Valid {
			v = "INVALID: " + s.Verdict
		}
		out = append(out, Target{Group: GroupInstrument, Measure: fmt.Sprintf("bare fan-out of %s scales with workers, %s upstreams", s.Op, s.Profile),
			Target: "grows, until the machine is saturated", Value: strings.Join(steps, "; "), Verdict: v, Met: s.Valid})
	}
	invalid := ""
	if !r.scalingValid() {
		invalid = "invalid: the bare fan-out does not scale (see instrument)"
	}

	// Calls per (connector, capability), as the Harmony gateways count
	// them, over every phase through one: a level whose keys straddle a
	// batch's close, or two fields asking one capability with other
	// arguments, costs a second call.
	worst, where := 0.0, ""
	for _, row := range append(r.Rows, r.Serve.Serve, r.Serve.Child) {
		for _, k := range sortedKeys(row.Calls) {
			if v := row.Calls[k]; v > worst {
				worst, where = v, fmt.Sprintf("%s %s %s %d %s: %s", row.Profile, row.Op, row.Load, row.Clients, row.Via, k)
			}
		}
	}
	add(GroupDemo, "upstream calls per (connector, capability) per operation, any operation", "≤ 1",
		fmt.Sprintf("max %.2f (%s)", worst, where), worst > 0 && worst <= 1.0, "")
	zero, _ := r.row("zero", Op360, Closed, 10, ViaGateway)
	zeroBare, _ := r.row("zero", Op360, Closed, 10, ViaBare)
	add(GroupDemo, "CPU per customer 360, 0 ms upstreams, 10 in flight (gateway child)", "≤ 300 µs",
		fmt.Sprintf("%.0f µs", zero.CPUPerOp), zero.CPUPerOp > 0 && zero.CPUPerOp <= 300, "")
	ratio := 0.0
	if zeroBare.RPS > 0 {
		ratio = zero.RPS / zeroBare.RPS
	}
	add(GroupDemo, "customer 360 throughput ÷ bare fan-out, 0 ms, 10 in flight", "≥ 0.5",
		fmt.Sprintf("%.3f (%.0f vs %.0f RPS)", ratio, zero.RPS, zeroBare.RPS), ratio >= 0.5, invalid)
	for _, c := range []struct {
		clients int
		limit   float64
	}{{1, 1.08}, {10, 1.20}} {
		row, _ := r.row("latency", Op360, Closed, c.clients, ViaGateway)
		add(GroupDemo, fmt.Sprintf("customer 360 p50 ÷ slowest upstream, %d in flight", c.clients), fmt.Sprintf("≤ %.2f", c.limit),
			fmt.Sprintf("%.3f (%.2f ms ÷ %.0f ms)", row.Ratio, row.P50MS, row.SlowestMS), row.Ratio > 0 && row.Ratio <= c.limit, "")
	}
	add(GroupDemo, "peak RSS, customer 360 at 50 in flight (gateway child)", "≤ 80 MB",
		fmt.Sprintf("%.1f MB (%.1f MB mapped from the executable)", r.RSS50MB, r.RSS50FileMB), r.RSS50MB > 0 && r.RSS50MB <= 80, "")
	rest := max(r.Serve.IdleRSSMB, r.Serve.RestRSSMB)
	add(GroupDemo, "RSS of harmony serve at rest (embedded store, demo configuration), the higher of once ready and after serving", "≤ 60 MB",
		fmt.Sprintf("%.1f MB (%.1f MB once ready, %.1f MB after serving)", rest, r.Serve.IdleRSSMB, r.Serve.RestRSSMB), rest > 0 && rest <= 60, "")
	sv := r.Serve
	add(GroupDemo, fmt.Sprintf("CPU per customer 360, harmony serve (embedded store, audit, read cache warm) ÷ gateway child (in-memory store), 0 ms, %d in flight", sv.Clients),
		"≤ 1.5", fmt.Sprintf("%.1f (%.0f µs vs %.0f µs; serve %d done, %d failed; a customer's first read: %.1f, %.0f µs)",
			sv.CPURatio, sv.Serve.CPUPerOp, sv.Child.CPUPerOp, sv.Serve.Done, sv.Serve.Errors, sv.ColdCPURatio, sv.ColdCPUPerOp),
		sv.CPURatio > 0 && sv.CPURatio <= 1.5 && sv.Serve.Errors == 0 && sv.ColdErrors == 0, "")
	// The customer 360's batches: met when none waited on a timer, every
	// batch sent when its level (or its lone resolver) had issued its keys.
	var safety, sent, meanWait float64
	for _, clients := range []int{1, 10} {
		row, _ := r.row("latency", Op360, Closed, clients, ViaGateway)
		safety += row.Batches[loaders.ClosedBySafety].PerOp
		for _, by := range []string{loaders.ClosedByLevel, loaders.ClosedByWait} {
			sent += row.Batches[by].PerOp
			meanWait = max(meanWait, row.Batches[by].MeanWaitMS)
		}
	}
	add(GroupDemo, "dataloader wait per level", "no timer: sent when the level has issued its reads",
		fmt.Sprintf("customer 360: %.2f batches/op sent by their level or resolver (mean wait ≤ %.3f ms), %.2f by the safety timer; lone resolver p50 %.3f ms", sent/2, meanWait, safety/2, r.LoaderWait.P50MS),
		sent > 0 && safety == 0, "")

	for _, pr := range r.Peer.Ratios {
		measure := fmt.Sprintf("%s, %s", pr.Measure, pr.Op)
		limit, hasTarget := peerTargets[[2]string{pr.Measure, pr.Op}]
		target := VerdictNone
		if hasTarget {
			target = fmt.Sprintf("≥ %g", limit)
		}
		switch {
		case pr.Skipped != "":
			out = append(out, Target{Group: GroupPeer, Measure: measure, Target: target, Value: "-", Verdict: pr.Skipped})
		case len(pr.Rounds) == 0:
			out = append(out, Target{Group: GroupPeer, Measure: measure, Target: target, Value: "not measured", Verdict: verdict(false)})
		default:
			value := fmt.Sprintf("%.2f (rounds %s; %s vs %s)", pr.Median, joinFloats(pr.Rounds), unit(pr.Num, pr.Unit), unit(pr.Den, pr.Unit))
			v, met := VerdictNone, false
			if hasTarget {
				met = pr.Median >= limit
				v = verdict(met)
			}
			out = append(out, Target{Group: GroupPeer, Measure: measure, Target: target, Value: value, Verdict: v, Met: met})
		}
	}
	return out
}

func joinFloats(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, ", ")
}

func unit(v float64, u string) string {
	if u == "ms" {
		return fmt.Sprintf("%.2f %s", v, u)
	}
	return fmt.Sprintf("%.0f %s", v, u)
}

// notes explain the figures a reader could misread.
func notes(r *Report) []string {
	out := []string{
		"The upstreams (the demo's six systems, the point of sale on PostgreSQL behind the simulators' counting proxy, and the peer's three subgraphs) run in a process of their own; the gateways in theirs; the bench process drives the load and runs the bare fan-out. All share the machine's cores.",
		"CPU µs/op is the measured process's utime+stime from /proc/PID/stat (10 ms ticks) over the phase ÷ operations ended; peak RSS is its VmHWM, reset before each phase.",
		"\"closed, N in flight\": N workers, each sending its next operation when the last answered, as the bare fan-out's anchors do; \"open, N/s\": operations leave on a fixed schedule whatever the answers, latency from each scheduled time (no coordinated omission).",
		"The bare fan-out replays the upstream HTTP requests and SQL reads the gateway made for one run of the operation, all at once, from the bench process: no GraphQL, no loaders, no profile store.",
		fmt.Sprintf("The gateway child's p50 includes its profile store's round trips (%.1f ms each, store/op column), which the bare fan-out does not make.", r.StoreMS),
		"Other work on the machine disturbs absolute figures: compare ratios from one run (the peer's are medians of interleaved rounds).",
	}
	if r.GatewayMemLimit != "" {
		out = append(out, "The gateway child ran with GOMEMLIMIT="+r.GatewayMemLimit+": the Go runtime collects harder as its memory nears the limit, trading CPU µs/op for peak RSS.")
	}
	if row, ok := r.row("latency", Op360, Closed, 1, ViaGateway); ok && row.StoreTripMS > 0 {
		out = append(out, fmt.Sprintf("A store round trip of %.1f ms took %.2f ms on average (customer360, 1 in flight): Go's timers fire late while the process idles, as the poller sleeps in whole milliseconds; a real store's answer wakes it at once.", r.StoreMS, row.StoreTripMS))
	}
	if r.Peer.Rounds > 0 {
		out = append(out, "Peer: Harmony lists its first 50 customers in its own ID order, bramble the profile subgraph's first 50: the same kind of page, not the same customers. Bramble asks the profile subgraph first, then the other two (its plan); Harmony reads its store, then the three at once.")
	}
	return out
}

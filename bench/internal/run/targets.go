package run

import (
	"fmt"
	"strings"

	"github.com/harmonyhq/harmony/internal/loaders"
)

func (r *Report) row(profile, op string, clients int, via string) (Row, bool) {
	for _, row := range r.Rows {
		if row.Profile == profile && row.Op == op && row.Clients == clients && row.Via == via {
			return row, true
		}
	}
	return Row{}, false
}

// targets checks issue 7's targets against r.
func targets(r *Report) []Target {
	var out []Target
	// Calls per (connector, route) pair, over every phase through the
	// gateway: a level whose keys straddle a batch's close costs a second
	// call.
	worst, where := 0.0, ""
	for _, row := range r.Rows {
		if row.Via != "gateway" {
			continue
		}
		for _, route := range sortedRoutes(row) {
			if v := row.Routes[route]; v > worst {
				worst, where = v, fmt.Sprintf("%s %s %d client(s): %s", row.Profile, row.Op, row.Clients, route)
			}
		}
	}
	out = append(out, Target{Measure: "upstream calls per (connector, route) pair", Target: "1.0",
		Value: fmt.Sprintf("max %.2f (%s)", worst, where), Met: worst <= 1.0})
	for _, c := range []struct {
		clients int
		limit   float64
	}{{1, 1.08}, {10, 1.20}} {
		row, _ := r.row("latency", "customer360", c.clients, "gateway")
		out = append(out, Target{Measure: fmt.Sprintf("customer 360 p50 ÷ slowest upstream, %d client(s)", c.clients),
			Target: fmt.Sprintf("≤ %.2f", c.limit), Value: fmt.Sprintf("%.3f (%.2f ms ÷ %.0f ms)", row.Ratio, row.P50MS, row.SlowestMS),
			Met: row.Ratio > 0 && row.Ratio <= c.limit})
	}
	// The marginal cost is taken at saturation (throughput run), where the
	// gateway's idle work weighs least; the open-model figure is shown too.
	open, _ := r.row("zero", "customer360", 10, "gateway")
	for _, t := range r.Throughput {
		if t.Op == "customer360" {
			out = append(out, Target{Measure: "gateway CPU per customer 360, 0 ms upstreams", Target: "≤ 300 µs",
				Value: fmt.Sprintf("%.0f µs saturated (%.0f µs at 10 clients)", t.CPUPerOp, open.CPUPerOp),
				Met:   t.CPUPerOp > 0 && t.CPUPerOp <= 300})
		}
	}
	for _, t := range r.Throughput {
		if t.Op == "customer360" {
			out = append(out, Target{Measure: "customer 360 throughput vs bare fan-out (0 ms, 10 workers)", Target: "≥ 0.5×",
				Value: fmt.Sprintf("%.3f× (%.0f vs %.0f RPS)", t.Ratio, t.Gateway, t.Bare), Met: t.Ratio >= 0.5})
		}
	}
	out = append(out, Target{Measure: "peak RSS at 50 concurrent (customer 360)", Target: "≤ 80 MB",
		Value: fmt.Sprintf("%.1f MB (%.1f MB mapped from the executable)", r.RSS50MB, r.RSS50FileMB), Met: r.RSS50MB > 0 && r.RSS50MB <= 80})
	// The customer 360's batches: met when none waited on a timer, every
	// batch sent when its level (or its lone resolver) had issued its keys.
	var safety, sent, meanWait float64
	for _, clients := range []int{1, 10} {
		row, _ := r.row("latency", "customer360", clients, "gateway")
		safety += row.Batches[loaders.ClosedBySafety].PerOp
		for _, by := range []string{loaders.ClosedByLevel, loaders.ClosedByWait} {
			sent += row.Batches[by].PerOp
			meanWait = max(meanWait, row.Batches[by].MeanWaitMS)
		}
	}
	out = append(out, Target{Measure: "dataloader wait per level", Target: "no timer: sent when the level has issued its reads",
		Value: fmt.Sprintf("customer 360: %.2f batches/op sent by their level or resolver (mean wait ≤ %.3f ms), %.2f by the safety timer; lone resolver p50 %.3f ms", sent/2, meanWait, safety/2, r.LoaderWait.P50MS),
		Met:   sent > 0 && safety == 0})
	return out
}

// notes explain the figures a reader could misread.
func notes(r *Report) []string {
	out := []string{
		"The gateway is a child process; CPU µs/op is its utime+stime from /proc/PID/stat (10 ms ticks) over the phase ÷ operations ended; peak RSS is its VmHWM, reset before each phase.",
		"Latency runs from each request's scheduled time (open model, constant rate); \"10 clients\" issue the operation 10 times per period (" + periods() + "); \"1 client\" once per solo period (" + solos() + "; at least 1.5 × the slowest upstream) for twice as long.",
		"The bare fan-out replays the upstream HTTP requests the gateway made for one run of the operation, all at once, from the bench process: no GraphQL, no loaders, no profile store.",
		"The simulators run in the bench process on the same 2 cores as the gateway; other work on the machine disturbs absolute figures, ratios from one run less so.",
		fmt.Sprintf("The gateway's p50 includes the profile store's round trips (%.1f ms each, store/op column), which the bare fan-out does not make.", r.StoreMS),
	}
	if r.GatewayMemLimit != "" {
		out = append(out, "The gateway ran with GOMEMLIMIT="+r.GatewayMemLimit+": the Go runtime collects harder as its memory nears the limit, trading CPU µs/op for peak RSS.")
	}
	if row, ok := r.row("latency", "customer360", 1, "gateway"); ok && row.StoreTripMS > 0 {
		out = append(out, fmt.Sprintf("A store round trip of %.1f ms took %.2f ms on average (customer360, 1 client): Go's timers fire late while the process idles, as the poller sleeps in whole milliseconds; a real store's answer wakes it at once.", r.StoreMS, row.StoreTripMS))
	}
	return out
}

func periods() string {
	var parts []string
	for _, op := range Operations() {
		parts = append(parts, fmt.Sprintf("%s %d ms", op.Name, op.PeriodMS))
	}
	return strings.Join(parts, ", ")
}

func solos() string {
	var parts []string
	for _, op := range Operations() {
		parts = append(parts, fmt.Sprintf("%s %d ms", op.Name, op.SoloMS))
	}
	return strings.Join(parts, ", ")
}

package run

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/harmonyhq/harmony/internal/loaders"
)

// printReport prints the figures, then the summary table.
func printReport(w io.Writer, r *Report) {
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }
	p("\nHarmony benchmark, %s, %s, %d CPUs, %d people, %.0f s per phase\n", r.StartedAt.Format("2006-01-02 15:04 UTC"), r.GoVersion, r.CPUs, r.People, r.DurationSec)
	p("gateway child's profile store: %s\n", r.Store)
	var sizes []string
	for _, ob := range r.UpstreamKB {
		sizes = append(sizes, fmt.Sprintf("%s %d HTTP calls (%.1f KB) + %d SQL reads", ob.Op, ob.Calls, ob.KB, ob.SQL))
	}
	p("upstream calls one run of each operation makes: %s\n", strings.Join(sizes, "; "))
	for _, profile := range []string{"latency", "degraded", "zero"} {
		p("\n== demo upstreams, latencies %q: %s\n", profile, latencies(r.Latencies[profile]))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		_, _ = fmt.Fprintln(tw, "operation\tload\tvia\tRPS\tp50 ms\tp95 ms\tp99 ms\tupstream/op\tmax/route\tmax/capability\tstore/op\tp50÷slowest\tp50÷bare\tCPU µs/op\tpeak RSS MB\tupstreams cores\town cores\tmachine\terrors\t")
		for _, row := range r.Rows {
			if row.Profile != profile {
				continue
			}
			_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%.0f%%\t%d\t\n",
				row.Op, loadOf(row), row.Via, row.RPS, row.P50MS, row.P95MS, row.P99MS, row.UpstreamPerOp, row.MaxPerRoute,
				measured(row, "%.2f", row.MaxPerCapability), gwOnly(row, "%.2f", row.StorePerOp), ratio(row.Ratio), ratio(row.OverBare),
				measured(row, "%.0f", row.CPUPerOp), measured(row, "%.1f", row.PeakRSSMB), row.UpstreamCPU/1000, row.OwnCores, 100*row.MachineBusy, row.Errors)
		}
		_ = tw.Flush()
	}
	p("\n== instrument: the bare fan-out's throughput as closed-loop workers grow\n")
	for _, s := range r.Scaling {
		var steps []string
		for i, w := range s.Workers {
			steps = append(steps, fmt.Sprintf("%d workers %.0f RPS (bench and upstreams %.2f of %d cores, upstreams %.2f; machine %.0f%% busy)",
				w, s.RPS[i], s.OwnCores[i], s.Cores, s.UpstreamCPU[i]/1000, 100*s.MachineBusy[i]))
		}
		p("%s, %s upstreams: %s: %s\n", s.Op, s.Profile, strings.Join(steps, ", "), s.Verdict)
	}
	p("\n== throughput: 10 in flight (closed loop), 0 ms upstreams\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(tw, "operation\tgateway RPS\tbare RPS\tgateway÷bare\tCPU µs/op\terrors\t")
	for _, op := range Operations() {
		g, ok1 := r.row("zero", op.Name, Closed, 10, ViaGateway)
		b, ok2 := r.row("zero", op.Name, Closed, 10, ViaBare)
		if ok1 && ok2 && b.RPS > 0 {
			_, _ = fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.3f\t%.0f\t%d\t\n", op.Name, g.RPS, b.RPS, g.RPS/b.RPS, g.CPUPerOp, g.Errors+b.Errors)
		}
	}
	_ = tw.Flush()
	p("\npeak RSS, customer360 at 50 in flight: %.1f MB (%.1f MB of it mapped from the executable at the end)\n", r.RSS50MB, r.RSS50FileMB)
	p("gateway child at rest, before any operation: RSS %.1f MB, CPU %.1f ms per second\n", r.IdleRSSMB, r.IdleCPUMSPerS)
	sv := r.Serve
	p("harmony serve (%s) at rest: RSS %.1f MB once ready (CPU %.1f ms per second), %.1f MB after serving\n", sv.Store, sv.IdleRSSMB, sv.IdleCPUMSPerS, sv.RestRSSMB)
	p("customer 360 by e-mail, 0 ms upstreams, %d in flight: harmony serve (read cache warm) %.1f RPS, p50 %.1f ms, %.0f µs CPU/op (%d done, %d failed); gateway child %.1f RPS, p50 %.2f ms, %.0f µs CPU/op: ratio %.1f\n",
		sv.Clients, sv.Serve.RPS, sv.Serve.P50MS, sv.Serve.CPUPerOp, sv.Serve.Done, sv.Serve.Errors, sv.Child.RPS, sv.Child.P50MS, sv.Child.CPUPerOp, sv.CPURatio)
	p("harmony serve, first read of each customer (cache cold, one at a time): %.0f µs CPU/op (%d done, %d failed): ratio %.1f to the gateway child\n",
		sv.ColdCPUPerOp, sv.ColdDone, sv.ColdErrors, sv.ColdCPURatio)
	lw := r.LoaderWait
	p("dataloader wait, last key to the connector (%d samples, no timer): p50 %.3f ms, p99 %.3f ms\n", lw.Samples, lw.P50MS, lw.P99MS)
	p("\n== loader batches per operation, by what sent them (latency profile, 10 in flight; mean wait after the last key)\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(tw, "operation\tby its level\tby a wait\tby the safety timer\t")
	for _, row := range r.Rows {
		if row.Profile == "latency" && row.Load == Closed && row.Clients == 10 && row.Via == ViaGateway {
			_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", row.Op, batches(row, loaders.ClosedByLevel), batches(row, loaders.ClosedByWait), batches(row, loaders.ClosedBySafety))
		}
	}
	_ = tw.Flush()
	printPeer(w, &r.Peer)

	p("\n== summary: every target, from this run\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "group\tmeasure\ttarget\tmeasured\tverdict")
	for _, t := range r.Targets {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Group, t.Measure, t.Target, t.Value, t.Verdict)
	}
	_ = tw.Flush()
	if len(r.Notes) > 0 {
		p("\nnotes:\n")
		for _, n := range r.Notes {
			p("- %s\n", n)
		}
	}
}

func printPeer(w io.Writer, pr *PeerReport) {
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }
	p("\n== peer: profile, orders and interactions subgraphs (1 call each), %d interleaved rounds of %.0f s phases", pr.Rounds, pr.PhaseSec)
	if pr.Skipped != "" {
		p("; bramble %s", pr.Skipped)
	}
	p("\n")
	if len(pr.Results) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(tw, "round\tcontender\toperation\tin flight\tupstreams\tRPS\tp50 ms\tCPU µs/op\tupstream/op\terrors\t")
	for _, r := range pr.Results {
		cpu := "-"
		if r.Contender != Bare {
			cpu = fmt.Sprintf("%.0f", r.CPUPerOp)
		}
		_, _ = fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%.0f ms\t%.1f\t%.2f\t%s\t%.2f\t%d\t\n", r.Round, r.Contender, r.Op, r.Clients, r.LatencyMS, r.RPS, r.P50MS, cpu, r.UpstreamPerOp, r.Errors)
	}
	_ = tw.Flush()
}

func loadOf(r Row) string {
	if r.Load == Open {
		return fmt.Sprintf("open %.0f/s", r.Rate)
	}
	return fmt.Sprintf("closed %d", r.Clients)
}

func latencies(m map[string]float64) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	if len(names) == 0 {
		return "all 0 ms"
	}
	var parts []string
	for _, name := range names {
		parts = append(parts, fmt.Sprintf("%s %g ms", name, m[name]))
	}
	return strings.Join(parts, ", ") + ", others 0 ms"
}

// gwOnly shows a figure only the gateway child reports.
func gwOnly(r Row, format string, v float64) string {
	if r.Via != ViaGateway {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

// measured shows a figure of the measured gateway process (none for the
// bare fan-out).
func measured(r Row, format string, v float64) string {
	if r.Via == ViaBare {
		return "-"
	}
	return fmt.Sprintf(format, v)
}

func ratio(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", v)
}

// writeReport writes r to dir/bench-<time>.json and returns the path.
func writeReport(dir string, r *Report) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("results directory: %w", err)
	}
	path := filepath.Join(dir, "bench-"+r.StartedAt.Format("20060102T150405Z")+".json")
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("write results: %w", err)
	}
	return path, nil
}

// batches shows the batches per operation one cause closed, with their
// mean wait.
func batches(r Row, cause string) string {
	b, ok := r.Batches[cause]
	if !ok {
		return "0"
	}
	return fmt.Sprintf("%.2f (%.3f ms)", b.PerOp, b.MeanWaitMS)
}

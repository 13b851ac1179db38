package run

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/harmonyhq/harmony/internal/loaders"
)

// printReport prints the tables: one per latency profile, then throughput,
// RSS, the loader wait and the targets.
func printReport(w io.Writer, r *Report) {
	p := func(format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }
	p("\nHarmony benchmark, %s, %s, %d CPUs, %d people, %.0f s per phase\n", r.StartedAt.Format("2006-01-02 15:04 UTC"), r.GoVersion, r.CPUs, r.People, r.DurationSec)
	p("profile store: %s\n", r.Store)
	p("connectors left out: %s (SQLite point of sale: no latency knob, no request counter)\n", strings.Join(r.Skipped, ", "))
	var sizes []string
	for _, ob := range r.UpstreamKB {
		sizes = append(sizes, fmt.Sprintf("%s %d calls %.1f KB", ob.Op, ob.Calls, ob.KB))
	}
	p("upstream answers read per operation: %s\n", strings.Join(sizes, "; "))
	for _, profile := range []string{"latency", "zero", "degraded"} {
		p("\n== upstream latencies %q: %s\n", profile, latencies(r.Latencies[profile]))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		_, _ = fmt.Fprintln(tw, "operation\tclients\tvia\tRPS\tp50 ms\tp95 ms\tp99 ms\tupstream/op\tmax/pair\tstore/op\tp50÷slowest\tp50÷bare\tCPU µs/op\tpeak RSS MB\terrors\t")
		for _, row := range r.Rows {
			if row.Profile != profile {
				continue
			}
			_, _ = fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t%s\t%d\t\n",
				row.Op, row.Clients, row.Via, row.RPS, row.P50MS, row.P95MS, row.P99MS, row.UpstreamPerOp, row.MaxPerRoute,
				gwOnly(row, "%.2f", row.StorePerOp), ratio(row.Ratio), gwOnly(row, "%.3f", row.OverBare),
				gwOnly(row, "%.0f", row.CPUPerOp), gwOnly(row, "%.1f", row.PeakRSSMB), row.Errors)
		}
		_ = tw.Flush()
	}
	p("\n== throughput: 10 closed-loop workers, 0 ms upstreams\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(tw, "operation\tgateway RPS\tbare RPS\tgateway÷bare\tCPU µs/op\terrors\t")
	for _, t := range r.Throughput {
		_, _ = fmt.Fprintf(tw, "%s\t%.1f\t%.1f\t%.3f\t%.0f\t%d\t\n", t.Op, t.Gateway, t.Bare, t.Ratio, t.CPUPerOp, t.Errors)
	}
	_ = tw.Flush()
	p("\npeak RSS, customer360 at 50 concurrent clients: %.1f MB (%.1f MB of it mapped from the executable at the end)\n", r.RSS50MB, r.RSS50FileMB)
	p("gateway at rest, before any operation: RSS %.1f MB, CPU %.1f ms per second\n", r.IdleRSSMB, r.IdleCPUMSPerS)
	lw := r.LoaderWait
	p("dataloader wait, last key to the connector (%d samples, no timer): p50 %.3f ms, p99 %.3f ms\n", lw.Samples, lw.P50MS, lw.P99MS)
	p("\n== loader batches per operation, by what closed them (latency profile, 10 clients; mean wait after the last key)\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	_, _ = fmt.Fprintln(tw, "operation\tby its level\tby a wait\tby the safety timer\t")
	for _, row := range r.Rows {
		if row.Profile == "latency" && row.Clients == 10 && row.Via == "gateway" {
			_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", row.Op, batches(row, loaders.ClosedByLevel), batches(row, loaders.ClosedByWait), batches(row, loaders.ClosedBySafety))
		}
	}
	_ = tw.Flush()
	p("\n== issue 7 targets\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "measure\ttarget\tmeasured\t")
	for _, t := range r.Targets {
		met := "not met"
		if t.Met {
			met = "met"
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.Measure, t.Target, t.Value, met)
	}
	_ = tw.Flush()
	if len(r.Notes) > 0 {
		p("\nnotes:\n")
		for _, n := range r.Notes {
			p("- %s\n", n)
		}
	}
}

func latencies(m map[string]float64) string {
	var parts []string
	for _, name := range []string{"crm", "shop", "mailing", "calls", "helpdesk"} {
		parts = append(parts, fmt.Sprintf("%s %g ms", name, m[name]))
	}
	return strings.Join(parts, ", ")
}

func gwOnly(r Row, format string, v float64) string {
	if r.Via != "gateway" {
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

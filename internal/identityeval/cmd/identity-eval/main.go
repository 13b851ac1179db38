// Command identity-eval runs the identity accuracy harness
// (internal/identityeval) and prints its table: `make identity-eval`.
//
// By default it runs the full size (1,600 people): one sync of every
// record, runs in other listing orders and runs spread over one to five
// syncs. With -scale N it runs one sync of N people instead and the
// read-back of every record through the GraphQL API, for their time and
// memory. It exits 1 when the harness's checks fail, after the table.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"

	"github.com/harmonyhq/harmony/internal/identityeval"
)

func main() {
	os.Exit(run())
}

func run() int {
	var (
		people   = flag.Int("people", identityeval.SizeFull, "people in the population")
		scale    = flag.Int("scale", 0, "run one sync of this many people (e.g. 15000, 100000) with the read-back, instead of the accuracy runs")
		seed     = flag.Uint64("seed", 42, "the population's seed")
		orders   = flag.Int("orders", 3, "runs in other listing orders")
		splits   = flag.Int("splits", 5, "runs spread over one to five syncs")
		readBack = flag.Bool("readback", true, "time the read-back of every record through customersByIdentifiers")
		honest   = flag.Bool("honest-paging", false, "systems answer every page in full (a diagnostic that takes paging out of the figures)")
		cpuSync  = flag.String("sync-cpuprofile", "", "write a CPU profile of the single sync to this file")
		cpuRead  = flag.String("cpuprofile", "", "write a CPU profile of the read-back to this file")
		dir      = flag.String("dir", "", "directory for the embedded stores (a temporary one when empty)")
	)
	flag.Parse()
	o := identityeval.Options{Seed: *seed, People: *people, Orders: *orders, Splits: *splits, ReadBack: *readBack,
		HonestPaging: *honest, Log: slog.New(slog.DiscardHandler),
		Progress: func(msg string) { fmt.Fprintln(os.Stderr, msg) }}
	if *scale > 0 {
		o.People, o.Orders, o.Splits = *scale, 0, 0
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "identity-eval-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 2
		}
		defer func() { _ = os.RemoveAll(d) }()
		*dir = d
	}
	o.Dir = *dir
	profiles := map[string]string{"sync": *cpuSync, "readback": *cpuRead}
	o.Profile = func(phase string, run func() error) error {
		path := profiles[phase]
		if path == "" {
			return run()
		}
		f, err := os.Create(path) //nolint:gosec // G304: the operator names the profile
		if err != nil {
			return err
		}
		defer func() { _ = f.Close() }()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
		return run()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(os.Stderr, "identity-eval: %d people, seed %d, %d order runs, %d split runs\n", o.People, o.Seed, o.Orders, o.Splits)
	res, err := identityeval.Evaluate(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "identity-eval:", err)
		return 2
	}
	if err := res.WriteTable(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "identity-eval:", err)
		return 2
	}
	failures := res.Failures()
	if len(failures) == 0 {
		fmt.Println("\nchecks: all hold")
		return 0
	}
	fmt.Printf("\nchecks: %d fail\n", len(failures))
	for _, f := range failures {
		fmt.Println("  " + f)
	}
	return 1
}

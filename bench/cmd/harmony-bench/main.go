// Command harmony-bench is `make bench`: see bench/internal/run. Its
// gateway command is the child process the benchmark measures.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/gateway"
	"github.com/harmonyhq/harmony/bench/internal/memstore"
	"github.com/harmonyhq/harmony/bench/internal/run"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := runMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		_, _ = fmt.Fprintf(os.Stderr, "harmony-bench: %v\n", err)
		os.Exit(1)
	}
}

func runMain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "gateway" {
		return runGateway(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("harmony-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	people := fs.Int("people", 1000, "size of the simulated population")
	phase := fs.Duration("phase", 4*time.Second, "length of each measured phase")
	storeLatency := fs.Duration("store-latency", memstore.DefaultLatency, "the in-memory profile store's round trip")
	results := fs.String("results", "bench/results", "directory of the JSON results; empty for none")
	profiles := fs.String("cpuprofile", "", "directory for the gateway's CPU profile of each throughput phase (<operation>.pprof)")
	memLimit := fs.String("gateway-memlimit", "", "the gateway child's GOMEMLIMIT (e.g. 48MiB); empty leaves the environment's")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, err := run.Run(ctx, run.Options{People: *people, Phase: *phase, StoreLatency: *storeLatency,
		Results: *results, Profiles: *profiles, GatewayMemLimit: *memLimit, Out: stdout, Log: stderr})
	return err
}

// runGateway is the child: the gateway over the in-memory store, its
// simulators' URLs and credentials in the environment.
func runGateway(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("harmony-bench gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	snapshot := fs.String("snapshot", "", "identity graph snapshot (JSON)")
	storeLatency := fs.Duration("store-latency", memstore.DefaultLatency, "the in-memory profile store's round trip")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return gateway.Run(ctx, gateway.Options{Snapshot: *snapshot, StoreLatency: *storeLatency, Env: os.LookupEnv, Log: log}, stdout)
}

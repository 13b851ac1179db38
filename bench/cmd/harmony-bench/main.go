// Command harmony-bench is `make bench`: see bench/internal/run. Its
// upstreams command is the process that serves every upstream, its gateway
// command the gateway child over the in-memory store.
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
	"github.com/harmonyhq/harmony/bench/internal/upstreams"
	"github.com/harmonyhq/harmony/internal/simulators/pos"
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
	if len(args) > 0 {
		switch args[0] {
		case "gateway":
			return runGateway(ctx, args[1:], stdout, stderr)
		case "upstreams":
			return runUpstreams(ctx, args[1:], stdout, stderr)
		}
	}
	fs := flag.NewFlagSet("harmony-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	people := fs.Int("people", 1000, "size of the simulated population")
	phase := fs.Duration("phase", 3*time.Second, "length of each measured phase of the demo's operations")
	storeLatency := fs.Duration("store-latency", memstore.DefaultLatency, "the in-memory profile store's round trip")
	posDSN := fs.String("pos-dsn", pos.DefaultPostgresDSN, "PostgreSQL database the point of sale gets a schema of its own in")
	harmony := fs.String("harmony", "bin/harmony", "the harmony binary measured as `harmony serve`")
	servePhase := fs.Duration("serve-phase", 8*time.Second, "how long harmony serve is driven on its embedded store")
	bramble := fs.String("bramble", os.Getenv("BRAMBLE"), "the movio/bramble binary of the peer rows (default $BRAMBLE); empty skips them")
	rounds := fs.Int("peer-rounds", 3, "interleaved rounds of the peer comparison; 0 skips it")
	peerPhase := fs.Duration("peer-phase", 2*time.Second, "length of each phase of the peer comparison")
	results := fs.String("results", "bench/results", "directory of the JSON results; empty for none")
	profiles := fs.String("cpuprofile", "", "directory for the gateway's CPU profile of each throughput phase (<operation>.pprof)")
	memLimit := fs.String("gateway-memlimit", "", "the gateway child's GOMEMLIMIT (e.g. 48MiB); empty leaves the environment's")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, err := run.Run(ctx, run.Options{People: *people, Phase: *phase, StoreLatency: *storeLatency, POSDSN: *posDSN,
		Harmony: *harmony, ServePhase: *servePhase, Bramble: *bramble, PeerRounds: *rounds, PeerPhase: *peerPhase,
		Results: *results, Profiles: *profiles, GatewayMemLimit: *memLimit, Out: stdout, Log: stderr})
	return err
}

// runGateway is the gateway child: a configuration's connectors over the
// in-memory store, the upstreams' URLs and credentials in the environment.
func runGateway(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("harmony-bench gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "", "configuration file whose connectors are served")
	snapshot := fs.String("snapshot", "", "identity graph snapshot (JSON)")
	storeLatency := fs.Duration("store-latency", memstore.DefaultLatency, "the in-memory profile store's round trip")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return gateway.Run(ctx, gateway.Options{Config: *config, Snapshot: *snapshot, StoreLatency: *storeLatency, Env: os.LookupEnv, Log: log}, stdout)
}

// runUpstreams serves every upstream the bench's gateways call.
func runUpstreams(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("harmony-bench upstreams", flag.ContinueOnError)
	fs.SetOutput(stderr)
	people := fs.Int("people", 1000, "size of the simulated population")
	posDSN := fs.String("pos-dsn", pos.DefaultPostgresDSN, "PostgreSQL database the point of sale gets a schema of its own in")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return upstreams.Serve(ctx, upstreams.Options{People: *people, POSDSN: *posDSN}, stdout)
}

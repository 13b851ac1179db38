package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/harmonyhq/harmony/internal/app"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harmonyhq/harmony/bench/internal/memstore"
	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/server"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/resolvers"

	// The built-in connector kinds.
	_ "github.com/harmonyhq/harmony/connectors/all"
)

// Options configure Run.
type Options struct {
	// Config is the path of the configuration file: its connectors are
	// served, its store settings ignored.
	Config string
	// Snapshot is the path of the identity graph memstore serves.
	Snapshot string
	// StoreLatency is memstore's round trip.
	StoreLatency time.Duration
	// Env gives the upstreams' URLs and credentials the configuration
	// refers to.
	Env config.Lookup
	Log *slog.Logger
}

// Run builds the gateway, listens on 127.0.0.1:0, writes "listening ADDR"
// to out and serves until ctx ends.
func Run(ctx context.Context, o Options, out io.Writer) error {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := config.Load(o.Config, o.Env)
	if err != nil {
		return err
	}
	snap, err := memstore.LoadSnapshot(o.Snapshot)
	if err != nil {
		return err
	}
	mem := memstore.New(snap, o.StoreLatency)
	rec := &recorder{base: &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}}
	reg := prometheus.NewRegistry()
	set, err := buildSources(ctx, cfg, rec, sources.NewMetrics(reg), log)
	if err != nil {
		return err
	}
	defer func() { _ = set.Close() }()
	policy, err := identity.NewPolicy(cfg.Identity)
	if err != nil {
		return err
	}
	res := &resolvers.Resolver{Reader: mem, Sources: set, Policy: policy,
		Priority: cfg.Profile.Priority, Survivorship: cfg.Profile.Survivorship, StaleAfter: cfg.Profile.StaleAfter,
		ConversationWindow: cfg.Journey.ConversationWindow}
	gw := server.New(server.Options{
		Config:    cfg.Server,
		Resolvers: res,
		Loaders:   &loaders.Factory{Sources: set, Store: mem, Metrics: loaders.NewMetrics(reg)},
		Ready:     func(context.Context) (bool, map[string]string) { return true, map[string]string{"store": "memstore"} },
		Registry:  reg,
		Log:       log,
	})
	defer func() { _ = gw.Close() }()

	mux := http.NewServeMux()
	mux.HandleFunc("/_bench/record", rec.serve)
	mux.HandleFunc("GET /_bench/stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		st := Stats{StoreRoundTrips: mem.RoundTrips(), StoreLatencyNS: int64(mem.Latency()), StoreWaitedNS: int64(mem.Waited())}
		var err error
		if st.Batches, err = loaders.ClosedBatches(reg); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		for _, src := range set.All() {
			if src.BreakerState() != sources.BreakerClosed {
				st.NotClosed = append(st.NotClosed, src.Name())
			}
		}
		_ = json.NewEncoder(w).Encode(st)
	})
	// CPU and heap profiles of the child, for go tool pprof.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.Handle("/", gw)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if _, err := fmt.Fprintf(out, "listening %s\n", ln.Addr()); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// Stats is the body of GET /_bench/stats.
type Stats struct {
	StoreRoundTrips int64 `json:"store_round_trips"`
	StoreLatencyNS  int64 `json:"store_latency_ns"`
	// StoreWaitedNS is what the round trips took in all.
	StoreWaitedNS int64 `json:"store_waited_ns"`
	// NotClosed names the connectors whose circuit breaker is open or
	// half-open.
	NotClosed []string `json:"not_closed,omitempty"`
	// Batches are the loaders' batches so far by what closed them (see
	// loaders.Metrics).
	Batches map[string]loaders.Closed `json:"batches"`
}

// buildSources builds and guards every configured connector, with the
// options the gateway gives them (internal/app); HTTP connectors call
// through rec, sql ones are wrapped so that rec notes their reads.
func buildSources(ctx context.Context, cfg *config.Config, rec *recorder, m *sources.Metrics, log *slog.Logger) (*sources.Set, error) {
	client := &http.Client{Transport: rec}
	var list []*sources.Source
	closeAll := func() {
		for _, s := range list {
			_ = s.Close()
		}
	}
	for i, cn := range cfg.Connectors {
		env := connectors.Env{Name: cn.Name, Logger: log.With("connector", cn.Name), HTTPClient: client, BaseDir: cfg.Dir()}
		conn, err := connectors.Build(ctx, cn.Kind, &cn.Config, env)
		if err != nil {
			closeAll()
			return nil, cfg.ConnectorError(i, err)
		}
		if cn.Kind == "sql" {
			conn = &sqlRecording{name: cn.Name, conn: conn, rec: rec}
		}
		list = append(list, sources.New(cn.Name, cn.Kind, conn, app.SourceOptions(cn), m, log))
	}
	set, err := sources.NewSet(list...)
	if err != nil {
		closeAll()
		return nil, err
	}
	return set, nil
}

package run

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/memstore"
	"github.com/harmonyhq/harmony/bench/internal/upstreams"
	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
)

// lookupIn looks names up in vars only: nothing of the environment (a
// HARMONY_MONGODB_URI, say) leaks into the run.
func lookupIn(vars map[string]string) config.Lookup {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// startUpstreams runs `harmony-bench upstreams` and returns it with a
// client of its control API.
func startUpstreams(ctx context.Context, o Options) (*proc, *upstreams.Client, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, nil, fmt.Errorf("find the bench binary: %w", err)
	}
	p, err := startProc(ctx, procSpec{name: "upstreams", path: self,
		args:   []string{"upstreams", "--people", fmt.Sprint(o.People), "--pos-dsn", o.POSDSN},
		stderr: o.Log, ready: listeningLine, within: 2 * time.Minute})
	if err != nil {
		return nil, nil, err
	}
	return p, &upstreams.Client{Base: "http://" + p.addr, HTTP: &http.Client{Timeout: 30 * time.Second}}, nil
}

// synced is what the bench's identity sync left: the embedded store's
// directory (closed, for `harmony serve` to open) and the same identity
// graph as a snapshot for the in-memory store.
type synced struct {
	dataDir  string
	snapshot string
	snap     *memstore.Snapshot
}

// syncIdentities runs the gateway's real identity sync for the
// configuration at cfgPath against a fresh embedded store in dataDir,
// records consents for the customers consent picks, and saves the
// identity graph as a snapshot. The embedded store is closed before any
// figure is taken.
func syncIdentities(ctx context.Context, cfgPath, dataDir string, vars map[string]string, consent func(*memstore.Snapshot) []string) (*synced, error) {
	env := map[string]string{DataDirVar: dataDir}
	for k, v := range vars {
		env[k] = v
	}
	cfg, err := config.Load(cfgPath, lookupIn(env))
	if err != nil {
		return nil, err
	}
	g, err := app.Build(ctx, cfg, app.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("build the sync gateway: %w", err)
	}
	defer g.Close(context.WithoutCancel(ctx))
	if _, err := g.Linker.Sync(ctx); err != nil {
		return nil, fmt.Errorf("identity sync: %w", err)
	}
	snap, err := memstore.Dump(ctx, g.Store)
	if err != nil {
		return nil, err
	}
	if consent != nil {
		if err := recordConsents(ctx, g.Store, consent(snap)); err != nil {
			return nil, err
		}
		if snap, err = memstore.Dump(ctx, g.Store); err != nil {
			return nil, err
		}
	}
	path := filepath.Join(filepath.Dir(dataDir), filepath.Base(dataDir)+"-snapshot.json")
	if err := snap.Save(path); err != nil {
		return nil, err
	}
	return &synced{dataDir: dataDir, snapshot: path, snap: snap}, nil
}

// recordConsents gives each customer the consents a customer 360 shows:
// e-mail marketing granted, then service on every channel, and analytics
// withdrawn.
func recordConsents(ctx context.Context, st *store.Store, customers []string) error {
	at := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	for _, id := range customers {
		for i, c := range []store.Consent{
			{Purpose: "marketing", Channel: "email", Granted: true},
			{Purpose: "service", Granted: true},
			{Purpose: "analytics", Granted: false},
		} {
			c.CustomerID, c.Source, c.Actor, c.RecordedAt = id, "harmony-bench", "harmony-bench", at.Add(time.Duration(i)*time.Hour)
			if _, err := st.AddConsent(ctx, c); err != nil {
				return err
			}
		}
	}
	return nil
}

// target is one customer an operation is asked about: its Harmony ID, an
// e-mail address that identifies it and its key in the system named when
// it was picked.
type target struct {
	ID    string
	Email string
	Key   string
}

// pickTargets picks up to n active customers with a record in each of
// systems and an e-mail that identifies them, in ID order: every customer
// operation fans out to all of those systems. keyOf names the system whose
// native key Key carries ("" for none).
func pickTargets(snap *memstore.Snapshot, systems []string, keyOf string, n int) []target {
	has := map[string]map[string]string{}
	email := map[string]string{}
	for _, id := range snap.Identities {
		if id.Status != store.StatusMatch {
			continue
		}
		switch id.Kind {
		case store.KindExternalID:
			if has[id.CustomerID] == nil {
				has[id.CustomerID] = map[string]string{}
			}
			has[id.CustomerID][id.System] = id.Value
		case store.KindEmail:
			if email[id.CustomerID] == "" {
				email[id.CustomerID] = id.Value
			}
		}
	}
	var out []target
	for _, c := range snap.Customers {
		if c.MergedInto != "" || c.ErasedAt != nil || email[c.ID] == "" {
			continue
		}
		ok := true
		for _, s := range systems {
			_, in := has[c.ID][s]
			ok = ok && in
		}
		if ok {
			out = append(out, target{ID: c.ID, Email: email[c.ID], Key: has[c.ID][keyOf]})
		}
	}
	slices.SortFunc(out, func(a, b target) int { return strings.Compare(a.ID, b.ID) })
	return out[:min(n, len(out))]
}

func targetIDs(ts []target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

// writeFile writes b to dir/name for the processes the bench starts.
func writeFile(dir, name string, b []byte) (string, error) {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", name, err)
	}
	return path, nil
}

// logTo returns a file in dir for a process's logs (a gateway's JSON logs
// would drown the bench's own), and a function closing it.
func logTo(dir, name string) (io.Writer, func(), error) {
	f, err := os.Create(filepath.Join(dir, name+".log")) //nolint:gosec // G304: under the bench's temporary directory
	if err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	return f, func() { _ = f.Close() }, nil
}

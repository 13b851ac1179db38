package run

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/memstore"
	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/demo"
	"github.com/harmonyhq/harmony/internal/simulators"
	"github.com/harmonyhq/harmony/internal/store"
)

// startSimulators starts the channel simulators, the point of sale on a
// SQLite file in dir.
func startSimulators(ctx context.Context, dir string, people int) (*simulators.Set, error) {
	return simulators.Start(ctx, simulators.Options{People: people, POSSQLitePath: filepath.Join(dir, "pos.sqlite")})
}

// lookupIn looks names up in vars only: nothing of the environment (a
// HARMONY_MONGODB_URI, say) leaks into the run.
func lookupIn(vars map[string]string) config.Lookup {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// syncIdentities runs the gateway's real identity sync, with the whole demo
// configuration, against a temporary embedded store under dir, and returns
// the identity graph it wrote. The embedded store is closed before any
// figure is taken.
func syncIdentities(ctx context.Context, dir string, sims *simulators.Set) (*memstore.Snapshot, error) {
	cfg, err := config.Parse("demo.yaml", demo.YAML(), lookupIn(sims.Vars()))
	if err != nil {
		return nil, err
	}
	cfg.Store.DataDir = filepath.Join(dir, "store")
	g, err := app.Build(ctx, cfg, app.Options{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		return nil, fmt.Errorf("build the sync gateway: %w", err)
	}
	defer g.Close(context.WithoutCancel(ctx))
	if _, err := g.Linker.Sync(ctx); err != nil {
		return nil, fmt.Errorf("identity sync: %w", err)
	}
	return memstore.Dump(ctx, g.Store)
}

// benchCustomers picks up to n active customers with a record in each of
// systems, in ID order: every customer operation fans out to all of them.
func benchCustomers(snap *memstore.Snapshot, systems []string, n int) []string {
	has := map[string]map[string]bool{}
	for _, id := range snap.Identities {
		if id.Kind == store.KindExternalID {
			if has[id.CustomerID] == nil {
				has[id.CustomerID] = map[string]bool{}
			}
			has[id.CustomerID][id.System] = true
		}
	}
	var out []string
	for _, c := range snap.Customers {
		if c.MergedInto != "" || c.ErasedAt != nil {
			continue
		}
		ok := true
		for _, s := range systems {
			ok = ok && has[c.ID][s]
		}
		if ok {
			out = append(out, c.ID)
		}
	}
	slices.Sort(out)
	return out[:min(n, len(out))]
}

// child is the gateway running as a child process.
type child struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{} // closed when the child has ended; how does not matter
}

// startChild runs this program's gateway command with the simulators'
// variables in its environment and waits until it listens.
func startChild(ctx context.Context, snapshot string, storeLatency time.Duration, vars map[string]string, stderr io.Writer) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find the bench binary: %w", err)
	}
	// G204: the bench binary itself, with its own flags.
	cmd := exec.CommandContext(ctx, self, "gateway", "--snapshot", snapshot, "--store-latency", storeLatency.String()) //nolint:gosec
	cmd.Env = os.Environ()
	for k, v := range vars {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("gateway stdout: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the gateway: %w", err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() { _ = cmd.Wait(); close(c.done) }()
	select {
	case l, ok := <-line:
		addr, found := strings.CutPrefix(l, "listening ")
		if !ok || !found {
			c.stop()
			return nil, fmt.Errorf("the gateway did not start")
		}
		c.addr = addr
		return c, nil
	case <-time.After(60 * time.Second):
		c.stop()
		return nil, fmt.Errorf("the gateway did not listen within a minute")
	}
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// stop ends the child (SIGINT, then kill after 10 s).
func (c *child) stop() {
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// memLimitPattern is what the Go runtime accepts as GOMEMLIMIT: bytes, with
// an optional unit.
var memLimitPattern = regexp.MustCompile(`^[0-9]+(B|KiB|MiB|GiB|TiB)?$`)

// checkMemLimit refuses a GOMEMLIMIT the child's runtime would reject (it
// would die at start with a runtime error); empty is no limit set.
func checkMemLimit(v string) error {
	if v == "" || v == "off" || memLimitPattern.MatchString(v) {
		return nil
	}
	return fmt.Errorf("--gateway-memlimit %q: want bytes with an optional unit (B, KiB, MiB, GiB, TiB), as GOMEMLIMIT takes, e.g. 48MiB", v)
}

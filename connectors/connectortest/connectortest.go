// Package connectortest is the conformance kit every connector passes.
//
// A connector's test builds a Harness around a real (or realistically faked)
// upstream and calls Run:
//
//	func TestConformance(t *testing.T) {
//		connectortest.Run(t, func(t *testing.T) *connectortest.Harness {
//			up := newFakeUpstream(t) // httptest server, database, ...
//			return &connectortest.Harness{
//				Connector: connectortest.Build(t, "acme", up.config(), connectors.Env{}),
//				Known:     []string{"c1", "c2", "c3"},
//				Missing:   "nobody",
//				Break:     up.fail, Heal: up.recover, Block: up.hang,
//				Secrets:   []string{up.token},
//			}
//		})
//	}
//
// Run checks, for each capability the connector serves (as
// connectors.Capabilities reports): key alignment (in order, shuffled, with
// duplicates), per-key not-found, failure of the whole batch with a
// classified *connectors.Error when the upstream is broken (and recovery
// after Heal), prompt return on cancellation and on deadline, that no
// goroutine of the connector's package outlives a call nor touches its
// context afterwards, safety under concurrent calls (run with -race),
// windows (newest first, Limit, inclusive Since/Until, a batch answering
// each key as a call for that key alone), list paging, identifier lookup
// (every record found once), erasure (only the keys asked, harmless when
// repeated), export (documents aligned with keys), sending (results aligned
// with messages, refusals per message), and that neither errors nor the
// printed connector reveal the harness's secrets. Erase and send change the
// upstream: each capability gets a harness of its own.
//
// Write the harness in an external test package (pkg_test): the goroutine
// check looks for frames of the connector's own package.
//
// For upstreams reached over TCP but not HTTP (databases), NewProxy puts a
// breakable, blockable proxy in front of them.
package connectortest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Harness describes a connector instance wired to an upstream the test
// controls.
type Harness struct {
	// Connector is the instance under test, built and provisioned.
	Connector connectors.Connector
	// Known are keys the upstream has a record for, at least 3. For orders
	// and interactions, they should have data, some key at least 3 items
	// at distinct times (so the window checks have something to cut).
	Known []string
	// Missing is a key the upstream has no record for.
	Missing string
	// Break makes every upstream call fail (e.g. answer 503) until Heal.
	Break func()
	Heal  func()
	// Block makes upstream calls hang until release is called, for the
	// cancellation checks; nil skips them.
	Block func() (release func())
	// Secrets are credential values that must never appear in errors or in
	// the printed connector.
	Secrets []string
	// Identifiers maps Known keys to an identifier of their record that the
	// connector's lookup searches (an e-mail address, a phone number), for
	// the lookup checks; nil skips them.
	Identifiers map[string]connectors.Identifier
	// SentTo reports the recipient the upstream recorded for a message ID,
	// for the send checks' alignment; nil skips that check. ok is false
	// when the upstream has no such message. It is called while other
	// sends are in flight: it must wait for the upstream's locks, and
	// report a failed read itself (t.Errorf) rather than as a missing
	// message.
	SentTo func(messageID string) (customerKey string, ok bool)
	// ListLimit is the page size the list checks use (default 2, so that
	// the Known keys span several pages).
	ListLimit int
	// Patience bounds how long a cancelled call may take to return, and how
	// long the connector's goroutines may take to end after a call (default
	// 10s). It is generous: the checks are that calls do not wait for the
	// upstream, not how fast they are.
	Patience time.Duration
}

// Build parses yamlConfig (the instance's `config:` block) and builds an
// instance of kind with connectors.Build, failing the test on error. The
// connector is closed when the test ends.
func Build(t testing.TB, kind, yamlConfig string, env connectors.Env) connectors.Connector {
	t.Helper()
	c, err := TryBuild(kind, yamlConfig, env)
	if err != nil {
		t.Fatalf("build %s connector: %v", kind, err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close %s connector: %v", kind, err)
		}
	})
	return c
}

// TryBuild is Build returning the error, for tests of configuration errors.
// The caller closes the connector.
func TryBuild(kind, yamlConfig string, env connectors.Env) (connectors.Connector, error) {
	b, err := connectors.ParseBlock([]byte(yamlConfig))
	if err != nil {
		return nil, fmt.Errorf("parse YAML: %w", err)
	}
	return connectors.Build(context.Background(), kind, b, env)
}

// Run runs the conformance checks. newHarness is called once per
// capability the connector serves (and once to discover them); every
// harness's connector must serve the same capabilities.
func Run(t *testing.T, newHarness func(t *testing.T) *Harness) {
	t.Helper()
	var caps []connectors.Capability
	t.Run("setup", func(t *testing.T) {
		h := newHarness(t)
		checkHarness(t, h)
		caps = connectors.Capabilities(h.Connector)
		if len(caps) == 0 {
			t.Fatal("connector serves no capability")
		}
		checkPrinted(t, h)
	})
	if t.Failed() {
		return
	}
	for _, cp := range caps {
		t.Run(string(cp), func(t *testing.T) {
			h := newHarness(t)
			checkHarness(t, h)
			var s suite
			switch cp {
			case connectors.CapProfiles:
				s = profilesSuite(h)
			case connectors.CapListProfiles:
				s = listSuite(h)
			case connectors.CapOrders:
				s = windowSuite(h, cp, ordersOf(h.Connector))
			case connectors.CapInteractions:
				s = windowSuite(h, cp, interactionsOf(h.Connector))
			case connectors.CapLookup:
				s = lookupSuite(t, h)
			case connectors.CapErase:
				s = eraseSuite(h)
			case connectors.CapExport:
				s = exportSuite(h)
			case connectors.CapSend:
				s = sendSuite(h)
			default:
				t.Skipf("no checks for capability %s", cp)
			}
			s.run(t, h)
		})
	}
}

func checkHarness(t *testing.T, h *Harness) {
	t.Helper()
	switch {
	case h == nil || h.Connector == nil:
		t.Fatal("harness has no connector")
	case len(h.Known) < 3:
		t.Fatal("harness needs at least 3 Known keys")
	case h.Missing == "" || slices.Contains(h.Known, h.Missing):
		t.Fatal("harness needs a Missing key that is not Known")
	case h.Break == nil || h.Heal == nil:
		t.Fatal("harness needs Break and Heal")
	}
	if h.ListLimit <= 0 {
		h.ListLimit = 2
	}
	if h.Patience <= 0 {
		h.Patience = defaultPatience
	}
}

// checkPrinted makes sure the connector's printed forms hide the secrets.
func checkPrinted(t *testing.T, h *Harness) {
	t.Helper()
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		noSecret(t, h, "the connector printed with "+format, fmt.Sprintf(format, h.Connector))
	}
}

func noSecret(t *testing.T, h *Harness, what, text string) {
	t.Helper()
	for _, s := range h.Secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s reveals a secret", what)
		}
	}
}

// call is one capability call over a key list, reduced to what the checks
// need: for each key, whether it was found and the keys the answer claims.
type call func(ctx context.Context, keys []string) (answers []answer, err error)

// answer is the connector's answer for one key.
type answer struct {
	found bool
	// keys the answer's records belong to (Profile.Key, CustomerKey).
	keys []string
	// items of a windowed answer
	items []item
}

type item struct {
	id string
	at time.Time
}

// suite is the set of checks of one capability.
type suite struct {
	checks []check
}

type check struct {
	name string
	fn   func(t *testing.T, h *Harness)
}

func (s suite) run(t *testing.T, h *Harness) {
	for _, c := range s.checks {
		t.Run(c.name, func(t *testing.T) { c.fn(t, h) })
	}
}

// keyedChecks are the checks every key-batched capability passes.
func keyedChecks(cp connectors.Capability, c call, missingMeansEmpty bool) []check {
	aligned := func(t *testing.T, h *Harness, keys []string) {
		t.Helper()
		ans, err := c(context.Background(), keys)
		if err != nil {
			t.Fatalf("%s(%q): %v", cp, keys, err)
		}
		if len(ans) != len(keys) {
			t.Fatalf("%s: %d results for %d keys", cp, len(ans), len(keys))
		}
		for i, k := range keys {
			a := ans[i]
			if k == h.Missing {
				if a.found {
					t.Errorf("%s: result %d answers the missing key with data", cp, i)
				}
				continue
			}
			if !a.found && !missingMeansEmpty {
				t.Errorf("%s: result %d: known key not found", cp, i)
			}
			for _, got := range a.keys {
				if got != k {
					t.Errorf("%s: result %d answers key %q, want %q", cp, i, got, k)
				}
			}
		}
	}
	return []check{
		{"aligned", func(t *testing.T, h *Harness) { aligned(t, h, slices.Clone(h.Known)) }},
		{"shuffled", func(t *testing.T, h *Harness) {
			keys := slices.Clone(h.Known)
			slices.Reverse(keys)
			aligned(t, h, keys)
			r := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: a fixed-seed shuffle, reproducible on purpose
			r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
			aligned(t, h, keys)
		}},
		{"duplicates", func(t *testing.T, h *Harness) {
			k := h.Known
			aligned(t, h, []string{k[0], k[1], k[0], k[2], k[1], k[0]})
		}},
		{"single", func(t *testing.T, h *Harness) {
			for _, k := range h.Known {
				aligned(t, h, []string{k})
			}
		}},
		{"missing", func(t *testing.T, h *Harness) {
			aligned(t, h, []string{h.Known[0], h.Missing, h.Known[1]})
			aligned(t, h, []string{h.Missing})
		}},
		{"empty", func(t *testing.T, h *Harness) {
			ans, err := c(context.Background(), []string{})
			if err != nil {
				t.Fatalf("%s with no keys: %v", cp, err)
			}
			if len(ans) != 0 {
				t.Fatalf("%s with no keys: %d results", cp, len(ans))
			}
		}},
		{"broken", func(t *testing.T, h *Harness) {
			broken(t, h, func(ctx context.Context) error {
				ans, err := c(ctx, slices.Clone(h.Known))
				if err == nil && ans != nil {
					return nil
				}
				return err
			})
		}},
		{"cancel", func(t *testing.T, h *Harness) {
			cancelled(t, h, func(ctx context.Context) error { _, err := c(ctx, slices.Clone(h.Known)); return err })
		}},
		{"deadline", func(t *testing.T, h *Harness) {
			deadline(t, h, func(ctx context.Context) error { _, err := c(ctx, slices.Clone(h.Known)); return err })
		}},
		{"context_not_kept", func(t *testing.T, h *Harness) {
			contextNotKept(t, h, func(ctx context.Context) error { _, err := c(ctx, slices.Clone(h.Known)); return err })
		}},
		{"concurrent", func(t *testing.T, h *Harness) {
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					keys := slices.Clone(h.Known)
					if g%2 == 1 {
						keys = append(keys, h.Missing)
					}
					r := rand.New(rand.NewPCG(uint64(g), 7)) //nolint:gosec // G404: a fixed-seed shuffle, reproducible on purpose; G115: g is a loop index in [0, 8)
					r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
					for range 3 {
						ans, err := c(context.Background(), keys)
						if err != nil {
							t.Errorf("concurrent %s: %v", cp, err)
							return
						}
						if len(ans) != len(keys) {
							t.Errorf("concurrent %s: %d results for %d keys", cp, len(ans), len(keys))
							return
						}
						for i, k := range keys {
							for _, got := range ans[i].keys {
								if got != k {
									t.Errorf("concurrent %s: result %d answers another key", cp, i)
								}
							}
						}
					}
				}()
			}
			wg.Wait()
		}},
	}
}

// broken checks that a broken upstream fails the whole call with a
// classified error that reveals no secret.
func broken(t *testing.T, h *Harness, fn func(ctx context.Context) error) {
	t.Helper()
	h.Break()
	healed := false
	heal := func() {
		if !healed {
			healed = true
			h.Heal()
		}
	}
	defer heal()
	err := fn(context.Background())
	if err == nil {
		t.Fatal("call against a broken upstream succeeded")
	}
	var ce *connectors.Error
	if !errors.As(err, &ce) {
		t.Fatalf("error is not a *connectors.Error: %T", err)
	}
	switch ce.Code {
	case connectors.CodeUnavailable, connectors.CodeTimeout, connectors.CodeBadResponse,
		connectors.CodeUnauthorized, connectors.CodeRateLimited, connectors.CodeRejected:
	default:
		t.Errorf("broken upstream gave code %q; want an upstream code (UPSTREAM_*)", ce.Code)
	}
	noSecret(t, h, "the error", err.Error())
	noSecret(t, h, "the error printed with %+v", fmt.Sprintf("%+v", err))
	heal()
	// The connector must recover. A pooled connection the breakage killed
	// may fail one more call, as it would against a restarted database.
	var after error
	for attempt := range 3 {
		if after = fn(context.Background()); after == nil {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 50 * time.Millisecond)
	}
	if after != nil {
		t.Fatalf("calls after Heal still fail: %v", after)
	}
}

const defaultPatience = 10 * time.Second

func cancelled(t *testing.T, h *Harness, fn func(ctx context.Context) error) {
	t.Helper()
	if h.Block == nil {
		t.Skip("harness has no Block")
	}
	release := h.Block()
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	time.Sleep(20 * time.Millisecond) // let the call reach the upstream
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("cancelled call returned no error")
		}
		noSecret(t, h, "the error", err.Error())
	case <-time.After(h.Patience):
		t.Fatal("cancelled call did not return")
	}
}

func deadline(t *testing.T, h *Harness, fn func(ctx context.Context) error) {
	t.Helper()
	if h.Block == nil {
		t.Skip("harness has no Block")
	}
	release := h.Block()
	defer release()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("call past its deadline returned no error")
		}
		if code := connectors.CodeOf(err); code != connectors.CodeTimeout {
			t.Errorf("call past its deadline: code %q, want %q (%v)", code, connectors.CodeTimeout, err)
		}
	case <-time.After(h.Patience):
		t.Fatal("call past its deadline did not return")
	}
}

// contextNotKept runs calls (normal, against a broken upstream, cancelled)
// with a context that records use after the call returned, and waits for the
// connector's goroutines to end.
func contextNotKept(t *testing.T, h *Harness, fn func(ctx context.Context) error) {
	t.Helper()
	pkg := connectorPackage(h.Connector)
	run := func(name string, setup func() func(), cancelAfter time.Duration) {
		restore := setup()
		ctx := newWatchedContext()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = fn(ctx)
			ctx.returned()
		}()
		if cancelAfter > 0 {
			time.Sleep(cancelAfter)
			ctx.cancel()
		}
		select {
		case <-done:
		case <-time.After(h.Patience):
			restore()
			t.Fatalf("%s: call did not return", name)
		}
		restore()
		ctx.cancel()
		if g := waitGoroutines(pkg, h.Patience); g != "" {
			t.Errorf("%s: a goroutine of %s outlives the call:\n%s", name, pkg, g)
		}
		if use := ctx.usedAfterReturn(); use != "" {
			t.Errorf("%s: the context was used after the call returned (%s)", name, use)
		}
	}
	nop := func() func() { return func() {} }
	run("served", nop, 0)
	run("broken", func() func() { h.Break(); return h.Heal }, 0)
	if h.Block != nil {
		run("cancelled", h.Block, 20*time.Millisecond)
	}
}

// watchedContext records the context methods called after the call it was
// given to returned. Value is not watched: background machinery of the
// standard library (a dial the transport finishes for its pool) may read
// values of a detached copy.
type watchedContext struct {
	context.Context
	cancel func()
	mu     sync.Mutex
	done   bool
	uses   []string
}

func newWatchedContext() *watchedContext {
	ctx, cancel := context.WithCancel(context.Background())
	return &watchedContext{Context: ctx, cancel: cancel}
}

func (w *watchedContext) note(method string) {
	w.mu.Lock()
	done := w.done
	w.mu.Unlock()
	if !done {
		return
	}
	by, bookkeeping := caller()
	if bookkeeping {
		return
	}
	w.mu.Lock()
	w.uses = append(w.uses, method+" by "+by)
	w.mu.Unlock()
}

// caller names the first function outside this package and package context
// on the stack. bookkeeping is true when the call comes from package
// context detaching a derived context that someone cancelled late (the
// standard library's HTTP transport does so after a response body is
// closed): that only compares channels and is no use of the context.
func caller() (by string, bookkeeping bool) {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		if f.Function == "context.removeChild" {
			return "", true
		}
		if !strings.Contains(f.Function, "/connectortest.") && !strings.HasPrefix(f.Function, "context.") {
			return fmt.Sprintf("%s (%s:%d)", f.Function, filepath.Base(f.File), f.Line), false
		}
		if !more {
			return "unknown", false
		}
	}
}

func (w *watchedContext) returned() {
	w.mu.Lock()
	w.done = true
	w.mu.Unlock()
}

func (w *watchedContext) usedAfterReturn() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.uses, ", ")
}

func (w *watchedContext) Deadline() (time.Time, bool) {
	w.note("Deadline")
	return w.Context.Deadline()
}

func (w *watchedContext) Done() <-chan struct{} {
	w.note("Done")
	return w.Context.Done()
}

func (w *watchedContext) Err() error {
	w.note("Err")
	return w.Context.Err()
}

// AfterFunc lets derived contexts propagate cancellation synchronously
// (without a goroutine that would read Done late).
func (w *watchedContext) AfterFunc(f func()) func() bool {
	w.note("AfterFunc")
	return context.AfterFunc(w.Context, f)
}

// connectorPackage is the import path of the connector's concrete type.
func connectorPackage(c connectors.Connector) string {
	t := reflect.TypeOf(c)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.PkgPath()
}

// waitGoroutines waits for the goroutines running code of pkg (other than
// the caller's) to end, and returns the stack of one that did not.
func waitGoroutines(pkg string, patience time.Duration) string {
	if pkg == "" {
		return ""
	}
	var last string
	for deadline := time.Now().Add(patience); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		last = goroutinesIn(pkg)
		if last == "" {
			return ""
		}
	}
	return last
}

func goroutinesIn(pkg string) string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "connectortest.goroutinesIn") {
			continue
		}
		for line := range strings.SplitSeq(g, "\n") {
			// Frames look like "github.com/x/y/pkg.(*T).M(...)" or
			// "github.com/x/y/pkg.f(...)"; "created by" lines name the
			// parent, not this goroutine's code.
			if strings.HasPrefix(line, pkg+".") {
				return g
			}
		}
	}
	return ""
}

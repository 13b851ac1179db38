package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/docs/queries"
	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/demo"
	"github.com/harmonyhq/harmony/internal/playground"
	"github.com/harmonyhq/harmony/internal/testenv"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// people is the demo population size for the tests: big enough for lists of
// 50 and every overlap between systems, small enough for a fast sync.
const people = 300

// env is one demo shared by the package's tests, which run one at a time and
// put back whatever they break; or, from bootAlone, a test's own.
type env struct {
	demo *demo.Demo
	gw   *app.Gateway
	srv  *httptest.Server
	logs *syncBuffer
}

var (
	shared     *env
	sharedErr  error
	sharedOnce sync.Once
)

// posDSN is the PostgreSQL the point of sale runs on (internal/testenv).
// Without one the point of sale runs on SQLite, as in `make run`, and the
// skip summary says so; on CI a missing PostgreSQL fails the boot.
func posDSN() (string, error) {
	dsn, err := testenv.PostgresDSN()
	if err == nil {
		return dsn, nil
	}
	if testenv.Required() {
		return "", err
	}
	testenv.Record(testenv.ServicePostgreSQL, "(the point of sale ran on SQLite)", err)
	return "", nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.srv.Close()
		shared.gw.Close(context.Background())
		shared.demo.Close()
	}
	os.Exit(code)
}

// boot starts the demo once: simulators, the gateway over the embedded
// store, and the first identity sync.
func boot(t *testing.T) *env {
	t.Helper()
	sharedOnce.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "harmony-e2e-")
		if err != nil {
			sharedErr = err
			return
		}
		pg, err := posDSN()
		if err != nil {
			sharedErr = err
			return
		}
		d, err := demo.Start(ctx, demo.Options{DataDir: dir, People: people, POSPostgresDSN: pg})
		if err != nil {
			sharedErr = err
			return
		}
		tune(d)
		logs := &syncBuffer{}
		var examples []playground.Example
		for _, q := range queries.All() {
			examples = append(examples, playground.Example{Name: q.Name, Query: q.Query, Variables: q.Variables})
		}
		gw, err := app.Build(ctx, d.Config, app.Options{Log: testlog.Logger(logs), Examples: examples})
		if err != nil {
			d.Close()
			sharedErr = err
			return
		}
		if err := gw.Sync(ctx); err != nil {
			gw.Close(ctx)
			d.Close()
			sharedErr = err
			return
		}
		shared = &env{demo: d, gw: gw, srv: httptest.NewServer(gw.Handler), logs: logs}
	})
	if sharedErr != nil {
		t.Fatalf("boot the demo: %v", sharedErr)
	}
	shared.demo.Simulators.Reset()
	return shared
}

// tune sets the connectors' resilience for the tests.
func tune(d *demo.Demo) {
	for i := range d.Config.Connectors {
		// Short enough for the timeout test, long enough for -race.
		d.Config.Connectors[i].Timeout = 2 * time.Second
		// The tests break systems on purpose and expect their errors:
		// no answer from last good values unless a test asks for it.
		off := time.Duration(0)
		d.Config.Connectors[i].StaleFor = &off
	}
}

// bootAlone starts a demo of the test's own, its simulators and their
// configuration (no gateway: the test builds its own), stopped when the
// test ends, and marks the test parallel. It is for the tests that build
// their own gateways and break, slow or change the systems: most of their
// time is spent waiting for timeouts and cool-downs, which they now do two
// at a time (go test's -parallel, GOMAXPROCS by default), after the tests
// of the shared demo. Their point of sale runs on SQLite, as in make run.
func bootAlone(t *testing.T) *env {
	t.Helper()
	t.Parallel()
	d, err := demo.Start(context.Background(), demo.Options{DataDir: t.TempDir(), People: people})
	if err != nil {
		t.Fatalf("start a demo: %v", err)
	}
	t.Cleanup(d.Close)
	tune(d)
	return &env{demo: d, logs: &syncBuffer{}}
}

// yaml is demo.yaml as e's demo runs it, its ${NAME} references
// unexpanded, for tests that serve it from a file: the point of sale's
// block on PostgreSQL or on SQLite, as the demo's POS_DSN is (bootAlone's
// demos, and boot's without a PostgreSQL, run it on SQLite).
func (e *env) yaml() string {
	if strings.HasPrefix(e.demo.Simulators.Vars()["POS_DSN"], "postgres") {
		return string(demo.YAMLOnPostgres())
	}
	return string(demo.YAML())
}

// gqlError is one error of a GraphQL response.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// query posts an operation and decodes data into out (when not nil).
func (e *env) query(t *testing.T, q string, vars map[string]any, out any) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	if out != nil && len(r.Data) > 0 {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("decode data %s: %v", r.Data, err)
		}
	}
	return r
}

// mustQuery is query with no error allowed.
func (e *env) mustQuery(t *testing.T, q string, vars map[string]any, out any) {
	t.Helper()
	if r := e.query(t, q, vars, out); len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
}

// syncBuffer collects logs from concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

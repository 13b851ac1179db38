package run

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/gateway"
	"github.com/harmonyhq/harmony/bench/internal/memstore"
	"github.com/harmonyhq/harmony/bench/internal/upstreams"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// UpstreamsVar names the control address of a running `harmony-bench
// upstreams` (its "listening" line) that the in-process benchmarks call.
const UpstreamsVar = "HARMONY_BENCH_UPSTREAMS"

// inProcess is the gateway of the in-process benchmarks: the bench's
// gateway child run in the benchmark's own process (over the in-memory
// store, with no latency), so that -cpuprofile and -memprofile see only
// the gateway and the client, the upstreams running in their own process.
type inProcess struct {
	addr    string
	targets []target
	client  *http.Client
}

var (
	inProcessOnce sync.Once
	inProcessGW   *inProcess
	errInProcess  error
	inProcessDir  string // removed when the tests end
)

func TestMain(m *testing.M) {
	code := m.Run()
	if inProcessDir != "" {
		_ = os.RemoveAll(inProcessDir)
	}
	os.Exit(code)
}

// startInProcess links the upstreams' demo population with the real sync,
// then serves the gateway on loopback until the process ends.
func startInProcess(tb testing.TB) *inProcess {
	tb.Helper()
	addr := os.Getenv(UpstreamsVar)
	if addr == "" {
		tb.Skipf("%s is not set: start `harmony-bench upstreams` and set it to the address it prints", UpstreamsVar)
	}
	inProcessOnce.Do(func() { inProcessGW, errInProcess = newInProcess(addr) })
	if errInProcess != nil {
		tb.Fatal(errInProcess)
	}
	return inProcessGW
}

func newInProcess(addr string) (*inProcess, error) {
	ctx := context.Background()
	ups := &upstreams.Client{Base: "http://" + addr, HTTP: &http.Client{Timeout: 30 * time.Second}}
	vars, err := ups.Vars(ctx)
	if err != nil {
		return nil, err
	}
	if err := ups.SetLatencies(ctx, zeroProfile); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "harmony-inprocess-")
	if err != nil {
		return nil, err
	}
	inProcessDir = dir
	text, err := demoConfig()
	if err != nil {
		return nil, err
	}
	cfgPath, err := writeFile(dir, "demo.yaml", text)
	if err != nil {
		return nil, err
	}
	systems := population.Systems()
	sy, err := syncIdentities(ctx, cfgPath, filepath.Join(dir, "store"), vars, func(s *memstore.Snapshot) []string {
		return targetIDs(pickTargets(s, systems, "", 50))
	})
	if err != nil {
		return nil, err
	}
	targets := pickTargets(sy.snap, systems, "", 50)
	if len(targets) == 0 {
		return nil, fmt.Errorf("no customer has a record in every system")
	}
	env := map[string]string{DataDirVar: filepath.Join(dir, "store")}
	for k, v := range vars {
		env[k] = v
	}
	r, w := io.Pipe()
	go func() {
		err := gateway.Run(ctx, gateway.Options{Config: cfgPath, Snapshot: sy.snapshot, Env: lookupIn(env)}, w)
		_ = w.CloseWithError(fmt.Errorf("gateway ended: %w", err))
	}()
	line, err := readLine(r)
	if err != nil {
		return nil, err
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	gaddr, ok := listeningLine(line)
	if !ok {
		return nil, fmt.Errorf("gateway said %q", line)
	}
	return &inProcess{addr: gaddr, targets: targets,
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}, nil
}

// writeAllocs writes the allocation profile so far to path, when set: the
// base of `go tool pprof -diff_base` against -memprofile, so that the
// setup's allocations (the sync) drop out.
func writeAllocs(tb testing.TB, path string) {
	if path == "" {
		return
	}
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		tb.Fatal(err)
	}
}

// loopCPUProfile starts a CPU profile of the measured loop alone, when
// prefix is set, written to prefix-<operation>.pprof by the returned stop:
// unlike -cpuprofile, it leaves out the setup (the identity sync on the
// embedded store), which otherwise dominates a short run. It cannot be
// combined with -cpuprofile.
func loopCPUProfile(tb testing.TB, prefix, name string) (stop func()) {
	if prefix == "" {
		return func() {}
	}
	f, err := os.Create(prefix + "-" + name + ".pprof")
	if err != nil {
		tb.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		tb.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			tb.Error(err)
		}
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func readLine(r io.Reader) (string, error) {
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		if _, err := r.Read(buf); err != nil {
			return b.String(), err
		}
		if buf[0] == '\n' {
			return b.String(), nil
		}
		b.WriteByte(buf[0])
	}
}

// do posts op for target i and fails on a GraphQL error.
func (g *inProcess) do(tb testing.TB, op Operation, i int) {
	body := map[string]any{"query": op.Query}
	if op.Vars != nil {
		body["variables"] = op.Vars(g.targets[i%len(g.targets)])
	}
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+g.addr+"/graphql", bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || bytes.Contains(out, []byte(`"errors"`)) {
		tb.Fatalf("%s: %d %v %.300s", op.Name, resp.StatusCode, err, out)
	}
}

// BenchmarkGateway runs each of the bench's operations against the gateway
// in this process, one at a time, the upstreams at 0 ms in their own
// process: for the gateway's CPU and allocation profiles, e.g.
//
//	bin/harmony-bench upstreams &   # prints "listening ADDR"
//	HARMONY_BENCH_UPSTREAMS=ADDR go test ./bench/internal/run -run '^$' \
//	    -bench Gateway/customer360 -benchmem -cpuprofile cpu.out
//
// cpu-µs/op is this process's CPU time per operation: the gateway's and
// the client's share of each request.
func BenchmarkGateway(b *testing.B) {
	g := startInProcess(b)
	for _, op := range Operations() {
		b.Run(op.Name, func(b *testing.B) {
			g.do(b, op, 0)
			b.ReportAllocs()
			writeAllocs(b, os.Getenv("HARMONY_BENCH_ALLOCS_BASE"))
			stop := loopCPUProfile(b, os.Getenv("HARMONY_BENCH_CPUPROFILE"), op.Name)
			i := 0
			before := cpuTime()
			for b.Loop() {
				g.do(b, op, i)
				i++
			}
			used := cpuTime() - before
			stop()
			b.ReportMetric(float64(used.Microseconds())/float64(i), "cpu-µs/op")
		})
	}
}

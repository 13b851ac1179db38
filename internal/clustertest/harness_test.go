package clustertest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/internal/demo"
	"github.com/harmonyhq/harmony/internal/simulators"
	"github.com/harmonyhq/harmony/internal/testenv"
)

// people is the simulated population: enough for every property, small
// enough for a quick identity sync on the shared store.
const people = 150

// rate is the rate limit of every replica, per caller: one budget in Redis.
const (
	ratePerSecond = 20
	rateBurst     = 40
)

// cluster is the running topology.
type cluster struct {
	sims     *simulators.Set
	storeURI string // mongodb://, the store server
	database string // the profile store's database on it
	replicas []*process
	secret   string // the helpdesk's webhook secret
	// client is the test's HTTP client, from a loopback source address of
	// its own, so that its rate budget is no one else's on a shared Redis.
	client *http.Client
}

// process is a child the test started.
type process struct {
	name string
	cmd  *exec.Cmd
	addr string // what it serves on
	logs string // its stderr
	done chan struct{}
}

func (p *process) url() string { return "http://" + p.addr }

// alive reports whether the process still runs.
func (p *process) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// stop sends SIGTERM and waits, killing the process after 15 s.
func (p *process) stop() {
	if !p.alive() {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// tail is the end of the process's log, for a failure message. The
// gateway and the store server keep personal data out of their logs.
func (p *process) tail() string {
	b, _ := os.ReadFile(p.logs)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-15):], "\n")
}

// harmonyBinary builds cmd/harmony from this tree once per test process.
var harmonyBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "harmony-cluster-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "harmony")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "github.com/harmonyhq/harmony/cmd/harmony")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/harmony: %w\n%s", err, out)
	}
	return bin, nil
})

// start runs bin with args and waits until ready finds its address in a
// line of its stdout.
func start(t *testing.T, name, bin string, args, env []string, ready func(string) (string, bool), within time.Duration) *process {
	t.Helper()
	logs := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logs)
	if err != nil {
		t.Fatal(err)
	}
	// Not CommandContext: the test stops its children itself (SIGTERM,
	// or SIGKILL when the test kills one), and its context would kill
	// them before the cleanup that drains them.
	cmd := exec.Command(bin, args...) //nolint:noctx // see above
	cmd.Env = env                     // nil: the test's own
	cmd.Stderr = f
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &process{name: name, cmd: cmd, logs: logs, done: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if addr, ok := ready(sc.Text()); ok {
				found <- addr
				break
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() { _ = cmd.Wait(); _ = f.Close(); close(p.done) }()
	t.Cleanup(p.stop)
	select {
	case p.addr = <-found:
		return p
	case <-p.done:
		t.Fatalf("%s ended before it was ready:\n%s", name, p.tail())
	case <-time.After(within):
		t.Fatalf("%s was not ready within %v:\n%s", name, within, p.tail())
	}
	return nil
}

// storeReady reads the store server's line "Harmony store is ready: URI".
func storeReady(line string) (string, bool) {
	uri, ok := strings.CutPrefix(line, "Harmony store is ready: ")
	return uri, ok
}

// serveReady reads the line `harmony serve` prints once it is ready (its
// identity sync done): "  graphql:    http://ADDR/graphql".
func serveReady(line string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "graphql:")
	if !ok {
		return "", false
	}
	rest, ok = strings.CutPrefix(strings.TrimSpace(rest), "http://")
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, "/graphql")
}

// randomHex is n random bytes in hex, for names of the test's own.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// loopbackSource is a random address of 127.0.0.0/8 other than
// 127.0.0.1: anonymous callers are rate limited by address, and the Redis
// is shared with whatever else runs on the machine.
func loopbackSource() *net.TCPAddr {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return &net.TCPAddr{IP: net.IPv4(127, b[0]|1, b[1], b[2]|2)}
}

// clientFrom is an HTTP client whose connections leave from src.
func clientFrom(src *net.TCPAddr) *http.Client {
	d := &net.Dialer{LocalAddr: src, Timeout: 5 * time.Second}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 32}, Timeout: 30 * time.Second}
}

// base is what every replica needs: the binary, the store server, the
// simulators and the environment that names them and the services.
type base struct {
	bin      string
	storeURI string
	sims     *simulators.Set
	env      []string
	suffix   string
	dir      string
}

// startBase starts the store server and the simulators: PostgreSQL and
// Redis are required.
func startBase(t *testing.T) *base {
	t.Helper()
	pgDSN := testenv.Postgres(t)
	redisAddr := testenv.Redis(t)
	natsURL := testenv.NATS(t)
	bin, err := harmonyBinary()
	if err != nil {
		t.Fatal(err)
	}
	b := &base{bin: bin, suffix: randomHex(4), dir: t.TempDir()}

	// The store server, over a PostgreSQL database of the test's own.
	u, err := url.Parse(pgDSN)
	if err != nil || u.Scheme == "" {
		t.Skipf("%s is not a URL: the cluster test names its own database in one", testenv.PostgresDSNVar)
	}
	dbName := "harmony_cluster_" + b.suffix
	u.Path = "/" + dbName
	t.Cleanup(func() { dropDatabase(t, pgDSN, dbName) })
	st := start(t, "store", bin, []string{"store", "serve", "--addr", "127.0.0.1:0", "--postgresql-url", u.String()}, nil, storeReady, time.Minute)
	b.storeURI = st.addr

	// The simulators, the point of sale on PostgreSQL.
	b.sims, err = simulators.Start(t.Context(), simulators.Options{People: people, POSPostgresDSN: pgDSN})
	if err != nil {
		t.Fatalf("start the simulators: %v", err)
	}
	t.Cleanup(func() { _ = b.sims.Close() })

	b.env = os.Environ()
	for k, v := range b.sims.Vars() {
		b.env = append(b.env, k+"="+v)
	}
	b.env = append(b.env,
		"HARMONY_MONGODB_URI="+st.addr,
		"REDIS_URL=redis://"+redisAddr+"/0",
		"NATS_URL="+natsURL,
		"CACHE_SALT="+randomHex(16),
		"HARMONY_SUPPRESSION_SALT="+randomHex(24))
	return b
}

// serve starts a `harmony serve` named name on the configuration o.
func (b *base) serve(t *testing.T, name string, o configOptions) *process {
	t.Helper()
	text, err := configOf(o)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(b.dir, name+".yaml")
	if err := os.WriteFile(path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	return startServe(t, b.bin, name, path, b.env)
}

// boot starts the topology for t.
func boot(t *testing.T) *cluster {
	t.Helper()
	b := startBase(t)
	c := &cluster{sims: b.sims, storeURI: b.storeURI, database: "harmony", secret: b.sims.Vars()["HELPDESK_WEBHOOK_SECRET"],
		client: clientFrom(loopbackSource())}
	// Replica a links the identities at start; b and c find them linked.
	for i, name := range []string{"a", "b", "c"} {
		p := b.serve(t, name, configOptions{suffix: b.suffix, syncOnStart: i == 0, rateLimit: true, crmCache: true})
		c.replicas = append(c.replicas, p)
	}
	return c
}

// startServe runs `harmony serve` on cfg and waits for its ready banner.
func startServe(t *testing.T, bin, name, cfg string, env []string) *process {
	t.Helper()
	return start(t, "replica-"+name, bin, []string{"serve", "--config", cfg, "--addr", "127.0.0.1:0"}, env, serveReady, 3*time.Minute)
}

// dropDatabase drops the store server's database once the test is done.
func dropDatabase(t *testing.T, dsn, name string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Logf("drop database %s: %v", name, err)
		return
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Logf("drop database %s: %v", name, err)
	}
}

// configOptions vary the replicas' configuration.
type configOptions struct {
	suffix      string
	syncOnStart bool
	rateLimit   bool   // the shared rate limit
	crmCache    bool   // the CRM's reads cached in Redis
	embedded    string // when set, the embedded store in this directory instead of the shared one
}

// configOf is demo.yaml on the point of sale's PostgreSQL, wired as the
// production topology wires it: the shared store, NATS, the Redis cache
// (on for the CRM) and Redis rate limits. Its ${NAME} references are the
// process's environment.
func configOf(o configOptions) ([]byte, error) {
	suffix, syncOnStart := o.suffix, o.syncOnStart
	var doc yaml.Node
	if err := yaml.Unmarshal(demo.YAMLOnPostgres(), &doc); err != nil {
		return nil, err
	}
	root := doc.Content[0]
	set(root, "store", mapping("uri", "${HARMONY_MONGODB_URI}", "database", "harmony"))
	if o.embedded != "" {
		set(root, "store", mapping("data_dir", o.embedded))
	}
	server := get(root, "server")
	if o.rateLimit {
		set(server, "rate_limit", mapping("requests_per_second", fmt.Sprint(ratePerSecond), "burst", fmt.Sprint(rateBurst), "redis_url", "${REDIS_URL}"))
	}
	set(root, "bus", mapping("nats_url", "${NATS_URL}", "subject_prefix", "harmony_cluster_"+suffix))
	set(root, "cache", mapping("backend", "redis", "redis_url", "${REDIS_URL}", "salt", "${CACHE_SALT}", "key_prefix", "harmony:cluster:"+suffix))
	set(root, "privacy", mapping("suppression_salt", "${HARMONY_SUPPRESSION_SALT}", "poll_interval", "200ms"))
	set(get(root, "identity"), "sync_on_start", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: fmt.Sprint(syncOnStart)})
	for _, cn := range get(root, "connectors").Content {
		if n := get(cn, "name"); o.crmCache && n != nil && n.Value == "crm" {
			set(cn, "cache", mapping("ttl", "10m"))
			set(cn, "stale_for", scalar("1h"))
		}
	}
	return yaml.Marshal(&doc)
}

func get(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, scalar(key), v)
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

func mapping(kv ...string) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, scalar(kv[i]), scalar(kv[i+1]))
	}
	return m
}

// gqlResponse is a GraphQL answer.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// post sends an operation to a replica and returns the HTTP status and
// the decoded answer.
func (c *cluster) post(ctx context.Context, p *process, query string, vars map[string]any) (int, gqlResponse, error) {
	return postWith(ctx, c.client, p, query, vars)
}

func postWith(ctx context.Context, client *http.Client, p *process, query string, vars map[string]any) (int, gqlResponse, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url()+"/graphql", bytes.NewReader(body))
	if err != nil {
		return 0, gqlResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, gqlResponse{}, err
	}
	defer func() { _ = resp.Body.Close() }()
	var r gqlResponse
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &r); err != nil {
			return resp.StatusCode, r, fmt.Errorf("decode the answer: %w", err)
		}
	}
	return resp.StatusCode, r, nil
}

// mustQuery asks a replica and decodes data into out; any error fails t.
// Messages name codes only: answers may hold personal data.
func (c *cluster) mustQuery(t *testing.T, p *process, query string, vars map[string]any, out any) {
	t.Helper()
	status, r, err := c.post(t.Context(), p, query, vars)
	if err != nil || status != http.StatusOK {
		t.Fatalf("%s: status %d, %v", p.name, status, err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("%s: %d errors, the first %v", p.name, len(r.Errors), r.Errors[0].Extensions["code"])
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatalf("%s: decode data: %v", p.name, err)
		}
	}
}

// customerOf returns the customer owning a system's native key, asked of
// replica p.
func (c *cluster) customerOf(t *testing.T, p *process, system, key string) string {
	t.Helper()
	var out struct {
		C *struct{ ID string } `json:"customerByIdentifier"`
	}
	c.mustQuery(t, p, `query ($s: String, $v: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: $s, value: $v) { id } }`,
		map[string]any{"s": system, "v": key}, &out)
	if out.C == nil {
		t.Fatalf("no customer owns %s key %s", system, key)
	}
	return out.C.ID
}

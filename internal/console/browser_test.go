package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/docs/queries"
	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/console"
	"github.com/harmonyhq/harmony/internal/demo"
	"github.com/harmonyhq/harmony/internal/playground"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// The browser tests drive the console in Debian's headless Chromium through
// playwright-core (testdata/browser) against the real demo: the six channel
// simulators, the embedded profile store and the gateway, as `make run`
// serves them.
//
//	HARMONY_BROWSER_TESTS=1 go test -count=1 -run TestConsole -v ./internal/console/
//
// Screenshots go to HARMONY_ARTIFACTS when set (created if needed), else to
// a temporary folder removed after the test. The README's screenshots
// (console.png, console-phone.png, playground.png) are regenerated with
//
//	HARMONY_ARTIFACTS=docs/images HARMONY_BROWSER_TESTS=1 go test -count=1 \
//	  -run 'TestConsole(Journey|Playground)$' ./internal/console/
//
// (a relative HARMONY_ARTIFACTS is taken from the repository's root).

// people is the demo population: enough for every overlap between systems,
// small enough for a quick first sync.
const people = 300

type demoEnv struct {
	demo   *demo.Demo
	gw     *app.Gateway
	srv    *httptest.Server
	person population.Person
	phone  string // as one system writes it, not in E.164
	hooks  *httptest.Server
}

var (
	shared     *demoEnv
	sharedErr  error
	sharedOnce sync.Once
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.hooks.Close()
		shared.srv.Close()
		shared.gw.Close(context.Background())
		shared.demo.Close()
	}
	os.Exit(code)
}

// browserPrereqs skips unless HARMONY_BROWSER_TESTS=1, then fails when a
// tool is missing, and installs playwright-core in testdata/browser.
func browserPrereqs(t *testing.T) string {
	t.Helper()
	if os.Getenv("HARMONY_BROWSER_TESTS") != "1" {
		t.Skip("browser test skipped: set HARMONY_BROWSER_TESTS=1 to run it (needs /usr/bin/chromium, node and npm)")
	}
	if err := console.AssetsPresent(); err != nil {
		t.Fatalf("the browser test needs the built console: %v", err)
	}
	chromium := os.Getenv("HARMONY_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("chromium not found (apt-get install -y chromium): %v", err)
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: %v", tool, err)
		}
	}
	dir := filepath.Join("testdata", "browser")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute) // a guard against hangs
		defer cancel()
		cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
	return chromium
}

// boot starts the demo once for the package's tests, which put back what
// they break.
func boot(t *testing.T) *demoEnv {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = start() })
	if sharedErr != nil {
		t.Fatalf("boot the demo: %v", sharedErr)
	}
	return shared
}

func start() (*demoEnv, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "harmony-console-")
	if err != nil {
		return nil, err
	}
	d, err := demo.Start(ctx, demo.Options{DataDir: dir, People: people})
	if err != nil {
		return nil, err
	}
	for i := range d.Config.Connectors {
		// A system taken down must show as a gap, not be answered from its
		// last good values.
		off := time.Duration(0)
		d.Config.Connectors[i].StaleFor = &off
		// Generous, for the race detector on a busy machine: the healthy
		// journey expects no partial data. The system taken down answers
		// 503 at once, so this does not slow the gap test.
		d.Config.Connectors[i].Timeout = 10 * time.Second
	}
	examples, err := playground.LoadExamples(queries.Files)
	if err != nil {
		d.Close()
		return nil, err
	}
	gw, err := app.Build(ctx, d.Config, app.Options{Log: testlog.Logger(io.Discard), Examples: examples})
	if err != nil {
		d.Close()
		return nil, err
	}
	if err := gw.Sync(ctx); err != nil {
		gw.Close(ctx)
		d.Close()
		return nil, err
	}
	e := &demoEnv{demo: d, gw: gw, srv: httptest.NewServer(gw.Handler)}
	d.Simulators.Helpdesk.SetWebhook(e.srv.URL + "/webhooks/helpdesk")
	e.person, e.phone, err = pickPerson(ctx, e)
	if err != nil {
		e.srv.Close()
		gw.Close(ctx)
		d.Close()
		return nil, err
	}
	// The live-update trigger the browser script calls: each POST has the
	// helpdesk simulator send one signed message.created webhook for the
	// person, as the helpdesk would when the customer writes.
	user, _ := strconv.ParseInt(e.person.Key(population.Helpdesk), 10, 64)
	e.hooks = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		sim := d.Simulators.Helpdesk
		status, err := sim.SendWebhook(r.Context(), sim.NewMessageEvent(user, "whatsapp", "Live message from the console test", time.Now()))
		if err != nil || status != http.StatusOK {
			http.Error(w, "webhook not accepted", http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	return e, nil
}

// pickPerson finds a demo customer known to every system, with a call that
// continues one of their helpdesk conversations (a thread across channels),
// and whom the gateway finds by the phone number as a system writes it.
func pickPerson(ctx context.Context, e *demoEnv) (population.Person, string, error) {
	pop := e.demo.Simulators.Population()
	for _, p := range pop.InAll() {
		if len(p.Orders) == 0 || len(p.Sales) == 0 || len(p.EmailEvents) == 0 || len(p.Conversations) == 0 {
			continue
		}
		// More than a timeline page (20 entries), so that scrolling has a
		// next page to load.
		if len(p.Orders)+len(p.Sales)+len(p.EmailEvents)+len(p.Conversations)+len(p.Calls) <= 30 {
			continue
		}
		if _, err := strconv.ParseInt(p.Key(population.Helpdesk), 10, 64); err != nil {
			continue
		}
		refs := map[string]bool{}
		for _, c := range p.Conversations {
			refs[c.ThreadRef] = true
		}
		crossing := false
		for _, c := range p.Calls {
			crossing = crossing || (c.Ref != "" && refs[c.Ref])
		}
		if !crossing {
			continue
		}
		phone := ""
		for _, sys := range population.Systems() {
			if ph := p.Records[sys].Phone; ph != "" && !strings.HasPrefix(ph, "+") {
				phone = ph
				break
			}
		}
		if phone == "" {
			phone = p.Phone
		}
		id, err := lookupPhone(ctx, e.srv.URL, phone)
		if err != nil {
			return population.Person{}, "", err
		}
		if id != "" {
			return p, phone, nil
		}
	}
	return population.Person{}, "", errNoPerson
}

type constError string

func (e constError) Error() string { return string(e) }

const errNoPerson = constError("no demo person has orders, sales, e-mails, a conversation continued by a call, and a phone the gateway resolves")

func lookupPhone(ctx context.Context, base, phone string) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"query":     `query ($v: String!) { customerByIdentifier(kind: PHONE, value: $v) { id } }`,
		"variables": map[string]any{"v": phone},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			C *struct{ ID string } `json:"customerByIdentifier"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return "", err
	}
	if out.Data.C == nil {
		return "", nil
	}
	return out.Data.C.ID, nil
}

// artifacts is where screenshots go.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("HARMONY_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join("..", "..", dir) // relative to the repository's root
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	return dir
}

// runCheck runs check.mjs in one mode and fails the test unless every check
// of that mode passed. The person's phone goes to the script through its
// environment; the script's report never contains it.
func runCheck(t *testing.T, chromium, mode string, e *demoEnv, extra map[string]string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute) // a guard against hangs, not a measurement
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "check.mjs", mode)
	cmd.Dir = filepath.Join("testdata", "browser")
	cmd.Env = append(os.Environ(),
		"HARMONY_CHROMIUM="+chromium,
		"HARMONY_CONSOLE_URL="+e.srv.URL+console.Prefix,
		"HARMONY_CONSOLE_PHONE="+e.phone,
		"HARMONY_CONSOLE_LIVE_URL="+e.hooks.URL,
		"HARMONY_CONSOLE_ARTIFACTS="+artifacts(t),
	)
	for k, v := range extra {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	t.Logf("browser check %s:\n%s", mode, stdout.String())
	if stderr.Len() > 0 {
		t.Logf("stderr:\n%s", stderr.String())
	}
	if runErr != nil {
		t.Fatalf("browser check %s failed: %v", mode, runErr)
	}
	var report struct {
		Screenshots []string `json:"screenshots"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &report); err != nil {
		t.Fatalf("browser check %s: report is not JSON: %v", mode, err)
	}
	for _, shot := range report.Screenshots {
		png, err := os.ReadFile(shot)
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 10_000 {
			t.Fatalf("screenshot %s is not a plausible PNG (%d bytes)", shot, len(png))
		}
		t.Logf("screenshot: %s (%d bytes)", shot, len(png))
	}
}

// TestConsoleJourney searches a demo customer by phone, scrolls the
// timeline until it shows entries from at least four channels (loading
// pages on cursors as it scrolls), opens a conversation that crosses
// channels, receives a live event through the subscription, and checks the
// page at a laptop and a phone width, saving screenshots.
func TestConsoleJourney(t *testing.T) {
	chromium := browserPrereqs(t)
	e := boot(t)
	runCheck(t, chromium, "journey", e, nil)
}

// TestConsoleGapMarker takes the call center's simulator down and checks
// that the console shows the gap marker in the timeline and the
// partial-data banner, while the other systems' entries still arrive.
func TestConsoleGapMarker(t *testing.T) {
	chromium := browserPrereqs(t)
	e := boot(t)
	e.demo.Simulators.Calls.SetDown(true)
	defer e.demo.Simulators.Calls.SetDown(false)
	runCheck(t, chromium, "gap", e, map[string]string{"HARMONY_CONSOLE_DOWN": population.Calls})
}

// TestConsoleAccessibility audits the page before and after a search made
// with the keyboard alone: labels, names, headings, unique ids, contrast,
// focus order and a visible focus ring, at both widths. The audit first
// proves on a broken page that it reports what it looks for.
func TestConsoleAccessibility(t *testing.T) {
	chromium := browserPrereqs(t)
	e := boot(t)
	runCheck(t, chromium, "a11y", e, nil)
}

// TestConsolePlayground opens the gateway's playground beside the
// console: its example tabs are the saved operations of docs/queries in
// their numbers' order (1, 2, …, 10, not 1, 10, 2), and the Customer360
// tab answers from the demo. Its screenshot is the README's.
func TestConsolePlayground(t *testing.T) {
	chromium := browserPrereqs(t)
	e := boot(t)
	examples, err := playground.LoadExamples(queries.Files)
	if err != nil {
		t.Fatal(err)
	}
	op := regexp.MustCompile(`(?m)^(?:query|mutation|subscription)\s+(\w+)`)
	var names []string
	for _, ex := range examples {
		m := op.FindStringSubmatch(ex.Query)
		if m == nil {
			t.Fatalf("example %s has no named operation", ex.Name)
		}
		names = append(names, m[1])
	}
	tabs, _ := json.Marshal(names)
	runCheck(t, chromium, "playground", e, map[string]string{"HARMONY_CONSOLE_TABS": string(tabs)})
}

// TestConsoleJourneyRuns triggers two demo journeys for a customer through
// the gateway (an abandoned cart recorded by the app, an NPS answer of 3)
// and checks that the console's journey section shows both runs: the cart
// reminder waiting for its delay, the NPS callback skipped for consent, in
// words.
func TestConsoleJourneyRuns(t *testing.T) {
	chromium := browserPrereqs(t)
	e := boot(t)
	post := func(q string, vars map[string]any, out any) {
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
		var r struct {
			Data   json.RawMessage `json:"data"`
			Errors []any           `json:"errors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 {
			t.Fatalf("%v %v", err, r.Errors)
		}
		if out != nil {
			if err := json.Unmarshal(r.Data, out); err != nil {
				t.Fatal(err)
			}
		}
	}
	var page struct {
		Customers struct {
			Edges []struct{ Node struct{ ID string } } `json:"edges"`
		} `json:"customers"`
	}
	post(`{ customers(first: 30) { edges { node { id } } } }`, nil, &page)
	if len(page.Customers.Edges) < 30 {
		t.Fatalf("%d customers", len(page.Customers.Edges))
	}
	customer := page.Customers.Edges[25].Node.ID
	post(`mutation($in: RecordConsentInput!) { recordConsent(input: $in) { id } }`, map[string]any{"in": map[string]any{
		"customerId": customer, "purpose": "MARKETING", "channel": "WHATSAPP", "status": "GRANTED", "source": "console-test"}}, nil)
	for i, attr := range []map[string]any{{"name": "event", "value": "cart_abandoned"}, {"name": "nps", "value": "3"}} {
		post(`mutation($in: RecordInteractionInput!) { recordInteraction(input: $in) { id } }`, map[string]any{"in": map[string]any{
			"customerId": customer, "channel": "APP", "type": "OTHER", "attributes": []any{attr},
			"clientId": "console-journeys-" + strconv.Itoa(i)}}, nil)
	}
	// The engine hears the recorded interactions on the bus.
	deadline := time.Now().Add(30 * time.Second)
	for {
		runs, err := e.gw.Automation().RunsOf(t.Context(), []string{customer})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs[0]) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d journey runs, want 2", len(runs[0]))
		}
		time.Sleep(100 * time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute) // a guard against hangs
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "journeys.mjs")
	cmd.Dir = filepath.Join("testdata", "browser")
	cmd.Env = append(os.Environ(), "HARMONY_CHROMIUM="+chromium, "HARMONY_CONSOLE_URL="+e.srv.URL+console.Prefix,
		"HARMONY_CONSOLE_CUSTOMER="+customer, "HARMONY_CONSOLE_ARTIFACTS="+artifacts(t))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("browser check journeys:\n%s", stdout.String())
	if stderr.Len() > 0 {
		t.Logf("stderr:\n%s", stderr.String())
	}
	if err != nil {
		t.Fatalf("browser check journeys failed: %v", err)
	}
}

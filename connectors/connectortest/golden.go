package connectortest

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/connectors"
)

var update = flag.Bool("update", false, "rewrite the golden cases' expected.json files")

// Golden test cases are directories, one per case, each holding:
//
//	call.yaml      the kind and the call: capability and its arguments
//	config.yaml    the instance's config block; ${UPSTREAM} is the replay server's URL
//	upstream.json  the recorded exchanges the upstream answers with
//	expected.json  the result, as JSON (rewritten by go test -update), or
//	expected.err   the error: its code on the first line, then text it must contain
//
// call.yaml:
//
//	kind: rest
//	capability: orders            # profiles, list_profiles, orders, interactions, lookup, erase, export, send
//	keys: ["101", "999"]          # profiles, orders, interactions
//	window: {since: 2024-01-01T00:00:00Z, until: ..., limit: 5}
//	cursor: ""                    # list_profiles
//	limit: 2                      # list_profiles
//	identifiers: [{kind: email, value: ana@example.com}]   # lookup
//	                              # erase and export take keys
//	messages: [{customer_key: "7", channel: email, body: Hello, idempotency_key: m1}]  # send
//
// upstream.json is a list of exchanges:
//
//	[{"request":  {"method": "GET", "path": "/v2/contacts", "query": {"ids": "101,999"}, "body": {...}},
//	  "response": {"status": 200, "headers": {"Retry-After": "3"}, "body": {...}}}]
//
// A request takes the first unused exchange that matches its method and
// path (and its query parameters and JSON body, when the exchange gives
// them), whatever the order (per-key calls run concurrently); a request
// matching none fails the case, and so does an exchange never asked for.

// Exchange is one recorded request and its answer.
type Exchange struct {
	Request struct {
		Method string            `json:"method"`
		Path   string            `json:"path"`
		Query  map[string]string `json:"query,omitempty"`
		Body   json.RawMessage   `json:"body,omitempty"`
	} `json:"request"`
	Response struct {
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers,omitempty"`
		// Body is written as is when it is a JSON string holding non-JSON
		// text ("<html>..."), and as JSON otherwise.
		Body json.RawMessage `json:"body,omitempty"`
	} `json:"response"`
}

// Call is a case's call.yaml.
type Call struct {
	Kind        string                  `yaml:"kind"`
	Capability  connectors.Capability   `yaml:"capability"`
	Keys        []string                `yaml:"keys"`
	Window      *CallWindow             `yaml:"window"`
	Cursor      string                  `yaml:"cursor"`
	Limit       int                     `yaml:"limit"`
	Identifiers []connectors.Identifier `yaml:"identifiers"`
	Messages    []CallMessage           `yaml:"messages"`
}

// CallMessage is one message of a send call.
type CallMessage struct {
	CustomerKey    string            `yaml:"customer_key"`
	Channel        string            `yaml:"channel"`
	Body           string            `yaml:"body"`
	Template       string            `yaml:"template"`
	Params         map[string]string `yaml:"params"`
	IdempotencyKey string            `yaml:"idempotency_key"`
}

// CallWindow is a call's window.
type CallWindow struct {
	Since time.Time `yaml:"since"`
	Until time.Time `yaml:"until"`
	Limit int       `yaml:"limit"`
}

// RunCases runs every case directory under dir (each a subtest named after
// its directory) with env (an HTTP client is set when nil).
func RunCases(t *testing.T, dir string, env connectors.Env) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("golden cases: %v", err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) { runCase(t, filepath.Join(dir, e.Name()), env) })
	}
	if n == 0 {
		t.Fatalf("golden cases: no case directory under %s", dir)
	}
}

func runCase(t *testing.T, dir string, env connectors.Env) {
	var call Call
	readYAML(t, filepath.Join(dir, "call.yaml"), &call)
	var exchanges []Exchange
	if data, err := os.ReadFile(filepath.Join(dir, "upstream.json")); err == nil { //nolint:gosec // G304: the test names its case directories
		if err := json.Unmarshal(data, &exchanges); err != nil {
			t.Fatalf("upstream.json: %v", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	replay := newReplay(t, exchanges)
	cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml")) //nolint:gosec // G304: the test names its case directories
	if err != nil {
		t.Fatal(err)
	}
	if env.HTTPClient == nil {
		env.HTTPClient = replay.srv.Client()
	}
	conn := Build(t, call.Kind, strings.ReplaceAll(string(cfg), "${UPSTREAM}", replay.srv.URL), env)
	got, callErr := invoke(t, conn, call)
	replay.check(t)

	expErr, errFile := os.ReadFile(filepath.Join(dir, "expected.err")) //nolint:gosec // G304: the test names its case directories
	if errFile == nil {
		code, text, _ := strings.Cut(strings.TrimSpace(string(expErr)), "\n")
		var ce *connectors.Error
		switch {
		case callErr == nil:
			t.Fatalf("the call succeeded, want error %s", code)
		case !errors.As(callErr, &ce) || string(ce.Code) != strings.TrimSpace(code):
			t.Fatalf("error %v, want code %s", callErr, code)
		case !strings.Contains(callErr.Error(), strings.TrimSpace(text)):
			t.Fatalf("error %q, want it to contain %q", callErr, strings.TrimSpace(text))
		}
		// Upstream messages may quote data or credentials: errors never
		// repeat them.
		for _, ex := range exchanges {
			for _, msg := range messages(ex.Response.Body) {
				if strings.Contains(callErr.Error(), msg) {
					t.Errorf("the error repeats the upstream's text %q", msg)
				}
			}
		}
		return
	}
	if callErr != nil {
		t.Fatalf("call failed: %v", callErr)
	}
	out, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	path := filepath.Join(dir, "expected.json")
	if *update {
		if err := os.WriteFile(path, out, 0o600); err != nil { //nolint:gosec // G703: go test -update rewrites the case's own file
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path) //nolint:gosec // G304: the case's own expected.json
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(want, out) {
		t.Errorf("result differs from expected.json (go test -update rewrites it):\n got %s\nwant %s", out, want)
	}
}

// messages collects the string values of a recorded body that read like
// prose or hold an address (a space or an @): what an error must not echo.
func messages(raw json.RawMessage) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if strings.ContainsAny(x, " @") {
				out = append(out, x)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path) //nolint:gosec // G304: the case's own call.yaml
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", filepath.Base(path), err)
	}
}

// invoke makes the case's call.
func invoke(t *testing.T, c connectors.Connector, call Call) (any, error) {
	t.Helper()
	ctx := t.Context()
	var w connectors.Window
	if call.Window != nil {
		w = connectors.Window{Since: call.Window.Since, Until: call.Window.Until, Limit: call.Window.Limit}
	}
	if w.Limit == 0 {
		w.Limit = 10
	}
	need := func(ok bool) {
		if !ok {
			t.Fatalf("the connector does not implement %s", call.Capability)
		}
	}
	switch call.Capability {
	case connectors.CapProfiles:
		s, ok := c.(connectors.ProfileSource)
		need(ok)
		return s.Profiles(ctx, call.Keys)
	case connectors.CapListProfiles:
		s, ok := c.(connectors.ProfileLister)
		need(ok)
		return s.ListProfiles(ctx, call.Cursor, max(call.Limit, 1))
	case connectors.CapOrders:
		s, ok := c.(connectors.OrderSource)
		need(ok)
		return s.Orders(ctx, call.Keys, w)
	case connectors.CapInteractions:
		s, ok := c.(connectors.InteractionSource)
		need(ok)
		return s.Interactions(ctx, call.Keys, w)
	case connectors.CapLookup:
		s, ok := c.(connectors.ProfileFinder)
		need(ok)
		return s.FindProfiles(ctx, call.Identifiers)
	case connectors.CapErase:
		s, ok := c.(connectors.Eraser)
		need(ok)
		return s.Erase(ctx, call.Keys)
	case connectors.CapExport:
		s, ok := c.(connectors.Exporter)
		need(ok)
		return s.Export(ctx, call.Keys)
	case connectors.CapSend:
		s, ok := c.(connectors.MessageSender)
		need(ok)
		msgs := make([]connectors.OutboundMessage, len(call.Messages))
		for i, m := range call.Messages {
			msgs[i] = connectors.OutboundMessage{CustomerKey: m.CustomerKey, Channel: m.Channel, Body: m.Body,
				Template: m.Template, Params: m.Params, IdempotencyKey: m.IdempotencyKey}
		}
		return s.SendMessages(ctx, msgs)
	}
	t.Fatalf("call.yaml: capability %q is not one a golden case can call", call.Capability)
	return nil, nil
}

// replay serves recorded exchanges in order.
type replay struct {
	srv *httptest.Server

	mu         sync.Mutex
	exchanges  []Exchange
	used       []bool
	unexpected []string
}

func newReplay(t *testing.T, exchanges []Exchange) *replay {
	r := &replay{exchanges: exchanges, used: make([]bool, len(exchanges))}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *replay) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	// The first unused exchange that matches: per-key calls run
	// concurrently, so their order is not the recorded one.
	var ex *Exchange
	why := "no exchange left"
	for i := range r.exchanges {
		if r.used[i] {
			continue
		}
		if w := mismatch(r.exchanges[i], req, body); w != "" {
			if why == "no exchange left" {
				why = fmt.Sprintf("exchange %d: %s", i, w)
			}
			continue
		}
		r.used[i] = true
		ex = &r.exchanges[i]
		break
	}
	if ex == nil {
		r.unexpected = append(r.unexpected, req.Method+" "+req.URL.Path+": "+why)
		w.WriteHeader(http.StatusTeapot)
		return
	}
	for k, v := range ex.Response.Headers {
		w.Header().Set(k, v)
	}
	status := ex.Response.Status
	if status == 0 {
		status = http.StatusOK
	}
	var text string
	if json.Unmarshal(ex.Response.Body, &text) == nil && !json.Valid([]byte(text)) {
		w.WriteHeader(status)
		_, _ = io.WriteString(w, text)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = w.Write(ex.Response.Body)
}

// mismatch says how req differs from the exchange's request, "" if not.
func mismatch(ex Exchange, req *http.Request, body []byte) string {
	if !strings.EqualFold(ex.Request.Method, req.Method) {
		return "method " + req.Method + ", recorded " + ex.Request.Method
	}
	if ex.Request.Path != req.URL.Path {
		return "path differs from the recorded " + ex.Request.Path
	}
	q := req.URL.Query()
	keys := make([]string, 0, len(ex.Request.Query))
	for k := range ex.Request.Query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if q.Get(k) != ex.Request.Query[k] {
			return fmt.Sprintf("query %s=%q, recorded %q", k, q.Get(k), ex.Request.Query[k])
		}
	}
	if len(ex.Request.Body) > 0 {
		var want, got any
		if json.Unmarshal(ex.Request.Body, &want) != nil || json.Unmarshal(body, &got) != nil {
			return "body is not the recorded JSON"
		}
		wb, _ := json.Marshal(want)
		gb, _ := json.Marshal(got)
		if !bytes.Equal(wb, gb) {
			return fmt.Sprintf("body %s, recorded %s", gb, wb)
		}
	}
	return ""
}

func (r *replay) check(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, u := range r.unexpected {
		t.Errorf("unexpected upstream request: %s", u)
	}
	if len(r.unexpected) > 0 {
		return
	}
	for i, used := range r.used {
		if !used {
			t.Errorf("recorded exchange %d (%s %s) was never requested", i, r.exchanges[i].Request.Method, r.exchanges[i].Request.Path)
		}
	}
}

package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// TestReloadRevokesAnAPIKey serves the demo configuration from a file with
// two API keys, opens a subscription with one, then removes that key from
// the file: without a restart, the key is refused, the other and a new one
// work, and the open subscription ends with CREDENTIAL_REVOKED. An edit
// that would remove every credential is refused, and the keys in force
// stay.
func TestReloadRevokesAnAPIKey(t *testing.T) {
	e := bootAlone(t)
	ctx := t.Context()
	vars := e.demo.Simulators.Vars()
	lookup := func(name string) (string, bool) { v, ok := vars[name]; return v, ok }
	hash := func(key string) string { s := sha256.Sum256([]byte(key)); return hex.EncodeToString(s[:]) }
	const deskKey, opsKey, newKey = "hk_e2e_desk_0a1b2c3d4e5f", "hk_e2e_ops_5f4e3d2c1b0a", "hk_e2e_new_99887766"
	keys := func(list ...string) string {
		var b strings.Builder
		b.WriteString("\nauth:\n  api_keys:\n")
		for i := 0; i+1 < len(list); i += 2 {
			fmt.Fprintf(&b, "    - id: %s\n      sha256: %s\n      role: agent\n", list[i], hash(list[i+1]))
		}
		return b.String()
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "harmony.yaml")
	write := func(text string) {
		t.Helper()
		tmp := filepath.Join(dir, ".harmony.yaml.tmp")
		if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, file); err != nil {
			t.Fatal(err)
		}
	}
	base := e.yaml()
	write(base + keys("desk", deskKey, "ops", opsKey))
	cfg, err := config.Load(file, lookup)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store.DataDir = filepath.Join(dir, "store")
	gw, err := app.Build(ctx, cfg, app.Options{Log: testlog.Logger(&syncBuffer{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(context.Background()) })
	gw.MarkSynced()
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	watchCtx, stopWatch := context.WithCancel(ctx)
	t.Cleanup(stopWatch)
	select {
	case <-gw.WatchConfig(watchCtx, file, lookup):
	case <-time.After(10 * time.Second):
		t.Fatal("the configuration is not watched")
	}

	status := func(key string) int {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"{ __typename }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	readyzConfig := func() string {
		resp, err := srv.Client().Get(srv.URL + "/readyz") //nolint:noctx // a test's probe
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body struct{ Checks map[string]string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return body.Checks["config"]
	}
	if status(deskKey) != http.StatusOK || status(opsKey) != http.StatusOK || status(newKey) != http.StatusUnauthorized {
		t.Fatal("the keys of the file are not those in force")
	}

	// A subscription of the desk's key. The gateway's own listeners
	// (the journey engine, the analytics projection) are subscribers too.
	listeners := busSubscribers(t, gw)
	const sub = `subscription { activity { id source } }`
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": sub})
	req, _ := http.NewRequestWithContext(sctx, http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("X-API-Key", deskKey)
	resp, err := http.DefaultClient.Do(req) //nolint:bodyclose // closed below; a goroutine reads it meanwhile
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("subscription: %d", resp.StatusCode)
	}
	type frame struct{ event, data string }
	frames := make(chan frame, 8)
	go func() {
		defer close(frames)
		sc := bufio.NewScanner(resp.Body)
		var f frame
		for sc.Scan() {
			switch line := sc.Text(); {
			case line == "" && f.event != "":
				frames <- f
				f = frame{}
			case strings.HasPrefix(line, "event: "):
				f.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				f.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	waitUntil(t, "the subscription listens", func() bool { return busSubscribers(t, gw) == listeners+1 })

	// An edit that would open the gateway is refused; the keys stay.
	write(base)
	waitUntil(t, "the refused reload", func() bool { return strings.Contains(readyzConfig(), "reload failed") })
	if got := readyzConfig(); !strings.Contains(got, "auth") || !strings.Contains(got, "restart") {
		t.Errorf("readyz config %q: want the key and why", got)
	}
	if status(deskKey) != http.StatusOK {
		t.Fatal("a refused reload changed the keys")
	}
	select {
	case f := <-frames:
		t.Fatalf("the subscription ended on a refused reload: %+v", f)
	default:
	}

	// The desk's key goes, a new one comes.
	write(base + keys("ops", opsKey, "new", newKey))
	waitUntil(t, "the reload", func() bool { return strings.HasPrefix(readyzConfig(), "ok") })
	var last frame
	completed := false
	for f := range frames {
		if f.event == "complete" {
			completed = true
			continue
		}
		last = f
	}
	if !completed || !strings.Contains(last.data, `"code":"CREDENTIAL_REVOKED"`) {
		t.Errorf("the subscription ended with %+v (completed %v), want CREDENTIAL_REVOKED then complete", last, completed)
	}
	if status(deskKey) != http.StatusUnauthorized || status(opsKey) != http.StatusOK || status(newKey) != http.StatusOK {
		t.Errorf("after the reload: desk %d, ops %d, new %d; want 401, 200, 200", status(deskKey), status(opsKey), status(newKey))
	}
}

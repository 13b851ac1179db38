package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// TestOverloadedStoreAnswers503NeverNull: a gateway whose profile store
// reads are bounded to one at a time, one waiting, 250 ms of wait, is asked
// for many customers at once. Every answer is either the customer, whole,
// or 503 with Retry-After and code OVERLOADED: never a customer that
// exists read as null.
func TestOverloadedStoreAnswers503NeverNull(t *testing.T) {
	e := boot(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cfg := *e.demo.Config
	cfg.Store.DataDir = t.TempDir()
	var b [4]byte
	_, _ = rand.Read(b[:])
	cfg.Store.Database = "overload_" + hex.EncodeToString(b[:])
	// The queue is what sheds the burst; its wait is long enough for one
	// request's own reads (two at once: the customer and its identities)
	// to follow each other on a slow machine under -race.
	cfg.Store.MaxInFlight, cfg.Store.MaxQueue, cfg.Store.QueueTimeout = 1, 1, 250*time.Millisecond
	cfg.Store.Cache.MaxCustomers = 1 // nearly every read misses
	gw, err := app.Build(ctx, &cfg, app.Options{Log: testlog.Logger(&syncBuffer{})})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close(context.Background())
	gw.MarkSynced()
	keys := seedHelpdeskCustomers(t, gw, e.demo.Simulators.Population())
	srv := httptest.NewServer(gw.Handler)
	defer srv.Close()

	ask := func(id string) (int, string, []byte) {
		body, _ := json.Marshal(map[string]any{"query": `query($id: ID!) { customer(id: $id) { id identities { value } } }`,
			"variables": map[string]any{"id": id}})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, "", nil
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), raw
	}
	n := min(len(keys), 48)
	var wg sync.WaitGroup
	var mu sync.Mutex
	counts := map[int]int{}
	for i := range n {
		id := fmt.Sprintf("cus_hd_%d", keys[i])
		wg.Go(func() {
			status, retry, raw := ask(id)
			var r struct {
				Data struct {
					Customer *struct {
						ID         string
						Identities []struct{ Value string }
					}
				}
				Errors []gqlError
			}
			_ = json.Unmarshal(raw, &r)
			mu.Lock()
			counts[status]++
			mu.Unlock()
			switch status {
			case http.StatusOK:
				if r.Data.Customer == nil || r.Data.Customer.ID != id || len(r.Data.Customer.Identities) != 1 || len(r.Errors) > 0 {
					t.Errorf("200 for an existing customer: %s", raw)
				}
			case http.StatusServiceUnavailable:
				if retry == "" || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "OVERLOADED" || r.Data.Customer != nil {
					t.Errorf("503 without Retry-After or OVERLOADED: %q %s", retry, raw)
				}
			default:
				t.Errorf("status %d: %s", status, raw)
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests at once: %v", n, counts)
	if counts[http.StatusServiceUnavailable] == 0 {
		t.Error("nothing was shed: the test does not test shedding")
	}
	// The load gone, the same customer answers.
	if status, _, raw := ask(fmt.Sprintf("cus_hd_%d", keys[0])); status != http.StatusOK {
		t.Errorf("after the burst: %d %s", status, raw)
	}
}

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/simulators/helpdesk"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/store"

	"github.com/harmonyhq/harmony/internal/testlog"
)

// Sizes of the webhook durability test; HARMONY_E2E_WEBHOOK_EVENTS
// changes the total (a fifth of it repeats). Under the race detector the
// embedded store (in the test process, so instrumented too) takes 20 to 40
// events/s on 2 busy cores: 10,000 took 4m36s. The default there is 1,000,
// and the test says so; `make test` then runs it again without the race
// detector at the full 10,000, which takes about 35 s.
var (
	webhookEvents   = 10_000 // deliveries carry this many events in all
	webhookDistinct = 8_000  // of which this many are different
)

const raceWebhookEvents = 1_000

const webhookSenders = 4

// TestWebhookEventsStoredExactlyOnce posts 10,000 helpdesk events, 2,000 of
// them repeats, in batches and singles from several senders, through the
// helpdesk simulator's signed deliveries. Halfway, the gateway stops hard
// (in-flight deliveries included) and a new one starts on the same
// embedded data directory. Senders resend whatever got no 2xx. In the end
// every distinct event is stored exactly once, with its customer resolved
// when the identity graph knows the user, and kept unresolved otherwise.
func TestWebhookEventsStoredExactlyOnce(t *testing.T) {
	if v, err := strconv.Atoi(os.Getenv("HARMONY_E2E_WEBHOOK_EVENTS")); err == nil && v >= 10 {
		webhookEvents, webhookDistinct = v, v*4/5
	} else if raceEnabled {
		webhookEvents, webhookDistinct = raceWebhookEvents, raceWebhookEvents*4/5
		t.Logf("race detector on: %d events instead of 10,000 (HARMONY_E2E_WEBHOOK_EVENTS=10000 for the full run)", webhookEvents)
	}
	e := bootAlone(t)
	ctx := context.Background()
	start := time.Now()

	cfg := *e.demo.Config
	cfg.Store.DataDir = t.TempDir()
	var b [4]byte
	_, _ = rand.Read(b[:])
	cfg.Store.Database = "webhook_e2e_" + hex.EncodeToString(b[:]) // isolated on a shared MongoDB too
	logs := &syncBuffer{}
	build := func() (*app.Gateway, error) {
		return app.Build(ctx, &cfg, app.Options{Log: slog.New(slog.NewJSONHandler(testlog.Tee(logs), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	}
	gw, err := build()
	if err != nil {
		t.Fatalf("build gateway: %v", err)
	}
	keys := seedHelpdeskCustomers(t, gw, e.demo.Simulators.Population())
	gw.MarkSynced()
	t.Logf("gateway built and seeded in %v", time.Since(start).Round(time.Millisecond))

	// The front stands for the load balancer: while no gateway runs it
	// answers 503, as a proxy with no healthy backend does.
	var current atomic.Pointer[http.Handler]
	current.Store(&gw.Handler)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := current.Load()
		if h == nil {
			http.Error(w, "no backend", http.StatusServiceUnavailable)
			return
		}
		(*h).ServeHTTP(w, r)
	}))
	defer front.Close()
	sim := e.demo.Simulators.Helpdesk
	sim.SetWebhook(front.URL + "/webhooks/helpdesk")
	defer sim.SetWebhook("")

	// The events: every tenth names a user the helpdesk does not have.
	base := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
	eventOf := func(i int) helpdesk.WebhookEvent {
		user := keys[i%len(keys)]
		if i%10 == 9 {
			user = 900_000_000 + int64(i)
		}
		at := base.Add(time.Duration(i) * time.Second)
		return helpdesk.WebhookEvent{ID: fmt.Sprintf("w%05d", i), Type: "message.created", CreatedAt: at.Format(time.RFC3339),
			UserID: user, Message: helpdesk.WebhookMessage{ID: fmt.Sprintf("m%05d", i), ConversationID: "cv_w", Channel: "chat",
				Direction: "inbound", Preview: "hello", ThreadRef: "thr_w"}}
	}
	rng := mrand.New(mrand.NewPCG(7, 11))
	order := make([]int, 0, webhookEvents)
	for i := range webhookDistinct {
		order = append(order, i)
	}
	for range webhookEvents - webhookDistinct {
		order = append(order, rng.IntN(webhookDistinct))
	}
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	var deliveries [][]helpdesk.WebhookEvent
	singles := 0
	for rest := order; len(rest) > 0; {
		n := 1
		if rng.IntN(10) >= 3 {
			n = 5 + rng.IntN(16)
		}
		n = min(n, len(rest))
		if n == 1 {
			singles++
		}
		var d []helpdesk.WebhookEvent
		for _, i := range rest[:n] {
			d = append(d, eventOf(i))
		}
		deliveries = append(deliveries, d)
		rest = rest[n:]
	}
	t.Logf("%d events (%d distinct) in %d deliveries, %d of them single events", len(order), webhookDistinct, len(deliveries), singles)

	// Send, resending until 2xx; restart the gateway halfway.
	var (
		acked, attempts, refused atomic.Int64
		statusMu                 sync.Mutex
		statuses                 = map[string]int{}
	)
	work := make(chan []helpdesk.WebhookEvent)
	deadline, cancel := context.WithTimeout(ctx, 6*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for range webhookSenders {
		wg.Go(func() {
			for d := range work {
				for {
					attempts.Add(1)
					status, err := sim.SendWebhook(deadline, d...)
					if err == nil && status >= 200 && status < 300 {
						acked.Add(1)
						break
					}
					refused.Add(1)
					statusMu.Lock()
					if err != nil {
						statuses["transport error"]++
					} else {
						statuses[strconv.Itoa(status)]++
					}
					statusMu.Unlock()
					if deadline.Err() != nil {
						t.Errorf("gave up on a delivery: %v", deadline.Err())
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
		})
	}
	type restart struct {
		gw   *app.Gateway
		took time.Duration
		err  error
	}
	restarted := make(chan restart, 1)
	go func() {
		for acked.Load() < int64(len(deliveries)/2) && deadline.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
		t0 := time.Now()
		current.Store(nil)
		gw.Close(ctx) // deliveries in flight on it fail and are resent
		next, err := build()
		if err == nil {
			next.MarkSynced()
			current.Store(&next.Handler)
		}
		restarted <- restart{gw: next, took: time.Since(t0), err: err}
	}()
	sendStart := time.Now()
feed:
	for _, d := range deliveries {
		select {
		case work <- d:
		case <-deadline.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	r := <-restarted
	if r.err != nil {
		t.Fatalf("restart: %v", r.err)
	}
	gw = r.gw
	defer gw.Close(ctx)
	down := r.took
	if deadline.Err() != nil {
		t.Fatalf("deliveries not done in time: %d of %d acknowledged; refusals %v; gateway warnings:\n%s",
			acked.Load(), len(deliveries), statuses, logs.String())
	}
	sent := time.Since(sendStart)
	t.Logf("sent in %v (%.0f events/s): %d attempts, %d refused %v; restart took %v",
		sent.Round(time.Millisecond), float64(len(order))/sent.Seconds(), attempts.Load(), refused.Load(), statuses, down.Round(time.Millisecond))
	if refused.Load() == 0 {
		t.Error("no delivery was refused: the restart did not happen under load")
	}

	// Every distinct event is stored exactly once.
	n, err := gw.Store.CountActivities(ctx, "helpdesk")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := gw.Store.ActivityEventIDs(ctx, "helpdesk")
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(webhookDistinct) || len(ids) != webhookDistinct {
		t.Errorf("stored %d events (%d read back), want %d", n, len(ids), webhookDistinct)
	}
	slices.Sort(ids)
	want := make([]string, webhookDistinct)
	for i := range want {
		want[i] = fmt.Sprintf("w%05d", i)
	}
	if !slices.Equal(ids, want) {
		missing, extra := 0, 0
		for _, id := range want {
			if _, ok := slices.BinarySearch(ids, id); !ok {
				missing++
			}
		}
		if c := slices.Compact(slices.Clone(ids)); len(c) != len(ids) {
			extra = len(ids) - len(c)
		}
		t.Errorf("stored IDs differ from the distinct IDs sent: %d missing, %d stored twice", missing, extra)
	}

	// Unknown users' events are kept unresolved; known users' are resolved.
	unresolved, err := gw.Store.ActivitiesOf(ctx, []string{""}, time.Time{}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(unresolved[0]); got != webhookDistinct/10 {
		t.Errorf("%d unresolved events, want %d (the unknown users')", got, webhookDistinct/10)
	}
	owner, err := gw.Linker.Owners(ctx, []identity.Ref{{System: "helpdesk", Key: strconv.FormatInt(keys[0], 10)}})
	if err != nil || owner[0].CustomerID == "" {
		t.Fatalf("the first helpdesk user resolves to %+v, %v", owner, err)
	}
	theirs, err := gw.Store.ActivitiesOf(ctx, []string{owner[0].CustomerID}, time.Time{}, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(theirs[0]) == 0 {
		t.Error("no event was resolved to the first helpdesk user's customer")
	}
	for _, a := range theirs[0] {
		if a.Interaction == nil || a.Interaction.Channel != "chat" || a.CustomerKey == "" {
			t.Errorf("stored event %+v lacks its interaction or key", a.EventID)
			break
		}
	}
	t.Logf("whole test: %v", time.Since(start).Round(time.Millisecond))
}

// seedHelpdeskCustomers links each helpdesk user to a customer of its own,
// as an identity sync would (without the minute a full sync takes under
// -race), and returns the users' keys.
func seedHelpdeskCustomers(t *testing.T, gw *app.Gateway, pop *population.Population) []int64 {
	t.Helper()
	var keys []int64
	var customers []store.Customer
	var links []store.Identity
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range pop.Members(population.Helpdesk) {
		key := p.Key(population.Helpdesk)
		k, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			continue
		}
		keys = append(keys, k)
		id := "cus_hd_" + key
		customers = append(customers, store.Customer{ID: id, CreatedAt: at})
		links = append(links, store.Identity{ID: store.IdentityID(store.KindExternalID, population.Helpdesk, key), CustomerID: id,
			Kind: store.KindExternalID, System: population.Helpdesk, Value: key, Rule: "test", Source: population.Helpdesk,
			Confidence: 1, LinkedAt: at})
	}
	if len(keys) == 0 {
		t.Fatal("the helpdesk has no users")
	}
	if _, err := gw.Store.AddCustomers(context.Background(), customers); err != nil {
		t.Fatal(err)
	}
	if _, err := gw.Store.AddIdentities(context.Background(), links); err != nil {
		t.Fatal(err)
	}
	return keys
}

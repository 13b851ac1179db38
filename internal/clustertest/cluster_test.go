package clustertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/helpdesk"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/store"
)

// TestCluster starts the topology once and proves its properties in turn;
// the replica kill comes last.
func TestCluster(t *testing.T) {
	began := time.Now()
	c := boot(t)
	t.Logf("store server, simulators and three replicas ready in %v", time.Since(began).Round(time.Millisecond))
	t.Run("WebhookReachesSubscriberOfAnotherReplica", func(t *testing.T) { testWebhookAcross(t, c) })
	t.Run("MergeSeenByOtherReplicasAtOnce", func(t *testing.T) { testMergeAcross(t, c) })
	t.Run("RateLimitIsOneBudget", func(t *testing.T) { testRateLimit(t, c) })
	t.Run("ErasurePurgesEveryReplica", func(t *testing.T) { testErasure(t, c) })
	t.Run("KillOneReplicaUnderLoad", func(t *testing.T) { testKill(t, c) })
	t.Logf("whole test: %v", time.Since(began).Round(time.Millisecond))
}

// helpdeskUsers returns the helpdesk keys of linked users, with their
// customers, asked of replica p.
func helpdeskUsers(t *testing.T, c *cluster, n int) (keys []int64, customers []string) {
	t.Helper()
	for _, m := range c.sims.Population().Members(population.Helpdesk) {
		key := m.Key(population.Helpdesk)
		k, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			continue
		}
		keys = append(keys, k)
		customers = append(customers, c.customerOf(t, c.replicas[0], population.Helpdesk, key))
		if len(keys) == n {
			return keys, customers
		}
	}
	t.Fatalf("fewer than %d helpdesk users", n)
	return nil, nil
}

// webhook posts one signed helpdesk delivery to replica p.
func (c *cluster) webhook(ctx context.Context, client *http.Client, p *process, events ...helpdesk.WebhookEvent) (int, error) {
	body, err := json.Marshal(helpdesk.Delivery{Events: events})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url()+"/webhooks/helpdesk", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range helpdesk.Sign(c.secret, body, time.Now()) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

const activityQuery = `subscription($id: ID!) { customerActivity(customerId: $id) { customerId source eventId channel } }`

// A webhook received by replica a reaches a customerActivity subscriber
// of replica b (SSE), through NATS.
func testWebhookAcross(t *testing.T, c *cluster) {
	a, b := c.replicas[0], c.replicas[1]
	keys, customers := helpdeskUsers(t, c, 1)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]any{"query": activityQuery, "variables": map[string]any{"id": customers[0]}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url()+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("subscribe on b: %d", resp.StatusCode)
	}
	got := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			if e, ok := strings.CutPrefix(line, "event: "); ok {
				event = e
			} else if data, ok := strings.CutPrefix(line, "data: "); ok && event == "next" {
				got <- data
				return
			}
		}
	}()
	// A subscription has no ready signal: a is sent an event every 200 ms
	// until b's subscriber has one (the first may come before it listens).
	sent := map[string]bool{}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i++ {
		ev := helpdesk.WebhookEvent{ID: fmt.Sprintf("across_%d_%d", time.Now().UnixNano(), i), Type: "message.created",
			CreatedAt: time.Now().UTC().Format(time.RFC3339), UserID: keys[0],
			Message: helpdesk.WebhookMessage{ID: fmt.Sprintf("m_across_%d", i), ConversationID: "cv_across", Channel: "chat", Direction: "inbound", Preview: "cluster"}}
		status, err := c.webhook(ctx, c.client, a, ev)
		if err != nil || status != http.StatusOK {
			t.Fatalf("webhook to a: %d, %v", status, err)
		}
		sent[ev.ID] = true
		select {
		case data := <-got:
			var e struct {
				Data struct {
					A struct{ CustomerID, Source, EventID string } `json:"customerActivity"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(data), &e); err != nil {
				t.Fatal(err)
			}
			if e.Data.A.CustomerID != customers[0] || e.Data.A.Source != "helpdesk" || !sent[e.Data.A.EventID] {
				t.Fatalf("b's subscriber received customer %s, source %s, event %s", e.Data.A.CustomerID, e.Data.A.Source, e.Data.A.EventID)
			}
			t.Logf("b's subscriber had a's event after %d deliveries", len(sent))
			return
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("b's subscriber received none of %d events posted to a", len(sent))
		}
	}
}

// A merge made on replica a is seen by b and c at once: their store
// caches, which would serve the merged customer as itself for five
// minutes, are invalidated through NATS.
func testMergeAcross(t *testing.T, c *cluster) {
	a := c.replicas[0]
	crm := c.sims.Population().Members(population.CRM)
	survivor := c.customerOf(t, a, population.CRM, crm[3].Key(population.CRM))
	merged := c.customerOf(t, a, population.CRM, crm[4].Key(population.CRM))
	if survivor == merged {
		t.Fatal("the two CRM contacts are one customer already")
	}
	const read = `query ($id: ID!) { customer(id: $id) { id mergedIds } }`
	type view struct {
		C struct {
			ID        string   `json:"id"`
			MergedIDs []string `json:"mergedIds"`
		} `json:"customer"`
	}
	for _, p := range c.replicas[1:] { // warm their caches
		var v view
		c.mustQuery(t, p, read, map[string]any{"id": merged}, &v)
		if v.C.ID != merged {
			t.Fatalf("%s: before the merge, %s reads as %s", p.name, merged, v.C.ID)
		}
	}
	var m struct {
		M struct{ Changed bool } `json:"mergeCustomers"`
	}
	c.mustQuery(t, a, `mutation($s: ID!, $m: ID!) { mergeCustomers(input: {survivorId: $s, mergedId: $m, reason: "cluster test"}) { changed } }`,
		map[string]any{"s": survivor, "m": merged}, &m)
	done := time.Now()
	if !m.M.Changed {
		t.Fatal("merge changed nothing")
	}
	for _, p := range c.replicas[1:] {
		reads := 0
		for {
			var v view
			c.mustQuery(t, p, read, map[string]any{"id": merged}, &v)
			reads++
			if v.C.ID == survivor && slices.Contains(v.C.MergedIDs, merged) {
				t.Logf("%s sees the merge %v after a's answer (%d reads)", p.name, time.Since(done).Round(time.Millisecond), reads)
				break
			}
			// NATS delivers the invalidation in milliseconds; the cache's
			// ttl is five minutes.
			if time.Since(done) > 2*time.Second {
				t.Fatalf("%s still reads the merged customer as %s %v after a's answer", p.name, v.C.ID, time.Since(done))
			}
		}
	}
}

// The replicas share one rate budget per caller in Redis: a caller that
// spreads a burst over the three gets the budget of one.
func testRateLimit(t *testing.T, c *cluster) {
	client := clientFrom(loopbackSource()) // a caller of its own
	const requests = 240
	var allowed, refused, other atomic.Int64
	perReplica := make([]atomic.Int64, len(c.replicas))
	start := time.Now()
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range 8 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= requests {
					return
				}
				r := int(i) % len(c.replicas)
				status, _, err := postWith(t.Context(), client, c.replicas[r], `{ __typename }`, nil)
				switch {
				case err == nil && status == http.StatusOK:
					allowed.Add(1)
				case err == nil && status == http.StatusTooManyRequests:
					refused.Add(1)
					perReplica[r].Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	// One budget allows the burst and the rate over the time taken (one
	// more for the request in flight as the refill lands); three would
	// allow three bursts.
	bound := rateBurst + int64(float64(ratePerSecond)*took.Seconds()) + 1
	t.Logf("%d requests over 3 replicas in %v: %d allowed (one budget allows at most %d), %d refused (%d, %d, %d per replica), %d other",
		requests, took.Round(time.Millisecond), allowed.Load(), bound, refused.Load(), perReplica[0].Load(), perReplica[1].Load(), perReplica[2].Load(), other.Load())
	if other.Load() > 0 {
		t.Errorf("%d requests failed otherwise than 429", other.Load())
	}
	if allowed.Load() > bound {
		t.Errorf("%d requests allowed, more than one budget (%d): the replicas do not share it", allowed.Load(), bound)
	}
	if allowed.Load() < rateBurst/2 {
		t.Errorf("only %d requests allowed, burst %d", allowed.Load(), rateBurst)
	}
	for i := range perReplica {
		if perReplica[i].Load() == 0 {
			t.Errorf("replica %s refused nothing", c.replicas[i].name)
		}
	}
}

// An erasure run on replica a purges every replica's caches: b and c no
// longer show the person, not from their store caches nor from the CRM
// record's last good value (kept in each replica's memory) once the CRM
// fails.
func testErasure(t *testing.T, c *cluster) {
	a := c.replicas[0]
	p := erasablePerson(t, c.sims.Population())
	id := c.customerOf(t, a, population.CRM, p.Key(population.CRM))
	const read = `query ($id: ID!) { customer(id: $id) { id identities { kind } profile { email { value stale } } } }`
	type view struct {
		C *struct {
			ID         string                  `json:"id"`
			Identities []struct{ Kind string } `json:"identities"`
			Profile    struct {
				Email *struct {
					Value string `json:"value"`
					Stale bool   `json:"stale"`
				} `json:"email"`
			} `json:"profile"`
		} `json:"customer"`
	}
	shows := func(p *process) (bool, bool) {
		status, r, err := c.post(t.Context(), p, read, map[string]any{"id": id})
		if err != nil || status != http.StatusOK {
			t.Fatalf("%s: %d, %v", p.name, status, err)
		}
		var v view
		_ = json.Unmarshal(r.Data, &v)
		if v.C == nil {
			return false, false
		}
		return v.C.Profile.Email != nil && v.C.Profile.Email.Value != "", len(v.C.Identities) > 0
	}
	for _, r := range c.replicas {
		if email, ids := shows(r); !email || !ids {
			t.Fatalf("%s: before the erasure, e-mail shown %v, identities %v", r.name, email, ids)
		}
	}
	// The control: with the CRM down, b and c answer from what they hold.
	c.sims.CRM.SetDown(true)
	for _, r := range c.replicas[1:] {
		if email, _ := shows(r); !email {
			t.Fatalf("%s: with the CRM down before the erasure, no e-mail: the test would prove nothing", r.name)
		}
	}
	c.sims.CRM.SetDown(false)

	var made struct {
		R struct{ Status string } `json:"requestErasure"`
	}
	c.mustQuery(t, a, `mutation ($id: ID!) { requestErasure(customerId: $id) { status } }`, map[string]any{"id": id}, &made)
	done := time.Now()
	t.Logf("erasure on a: %s", made.R.Status)
	c.sims.CRM.SetDown(true)
	defer c.sims.CRM.SetDown(false)
	for _, r := range c.replicas {
		for {
			email, ids := shows(r)
			if !email && !ids {
				t.Logf("%s shows nothing of the person %v after a's answer", r.name, time.Since(done).Round(time.Millisecond))
				break
			}
			if time.Since(done) > 2*time.Second {
				t.Fatalf("%s still shows the person %v after the erasure (e-mail %v, identities %v)", r.name, time.Since(done), email, ids)
			}
		}
	}
}

// erasablePerson is a CRM contact found in no other system by a shared
// e-mail or phone, so that erasing their customer touches no one else.
func erasablePerson(t *testing.T, pop *population.Population) population.Person {
	t.Helper()
	emails, phones := map[string]int{}, map[string]int{}
	for _, p := range pop.People {
		emails[strings.ToLower(p.Email)]++
		phones[p.Phone]++
	}
	for i := len(pop.People) - 1; i >= 0; i-- {
		p := pop.People[i]
		if p.In(population.CRM) && !p.InAll() && p.Email != "" && emails[strings.ToLower(p.Email)] == 1 && phones[p.Phone] == 1 {
			return p
		}
	}
	t.Fatal("no person fits the erasure test")
	return population.Person{}
}

// Killing replica c with SIGKILL under a stream of signed webhooks spread
// over the three loses no acknowledged event, and a and b keep answering
// webhooks and queries. A delivery that fails is sent to the next replica,
// as a load balancer retries.
func testKill(t *testing.T, c *cluster) {
	const deliveries, perDelivery, senders = 300, 2, 6
	keys, customers := helpdeskUsers(t, c, 5)
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	victim := c.replicas[2]
	survivors := c.replicas[:2]
	client := clientFrom(loopbackSource())
	prefix := "kill_" + randomHex(4) + "_"

	var (
		mu          sync.Mutex
		acked       = map[string]bool{}
		survivorErr = map[string]int{} // what a survivor answered other than 2xx
		victimErr   int
		sentEvents  atomic.Int64
		ackedCount  atomic.Int64
		killed      = make(chan struct{})
		third       = make(chan struct{}) // closed at the acknowledgement of a third of the deliveries
		thirdOnce   sync.Once
	)
	work := make(chan int)
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			for d := range work {
				var evs []helpdesk.WebhookEvent
				for j := range perDelivery {
					n := d*perDelivery + j
					evs = append(evs, helpdesk.WebhookEvent{ID: fmt.Sprintf("%s%05d", prefix, n), Type: "message.created",
						CreatedAt: time.Now().UTC().Format(time.RFC3339), UserID: keys[n%len(keys)],
						Message: helpdesk.WebhookMessage{ID: fmt.Sprintf("m%s%05d", prefix, n), ConversationID: "cv_kill", Channel: "chat", Direction: "inbound", Preview: "load"}})
				}
				sentEvents.Add(int64(len(evs)))
				for try := 0; ctx.Err() == nil; try++ {
					p := c.replicas[(d+try)%len(c.replicas)]
					status, err := c.webhook(ctx, client, p, evs...)
					if err == nil && status/100 == 2 {
						mu.Lock()
						for _, e := range evs {
							acked[e.ID] = true
						}
						mu.Unlock()
						if ackedCount.Add(1) == deliveries/3 {
							thirdOnce.Do(func() { close(third) })
						}
						break
					}
					mu.Lock()
					if p == victim {
						victimErr++
					} else if err != nil {
						survivorErr["transport"]++
					} else {
						survivorErr[strconv.Itoa(status)]++
					}
					mu.Unlock()
				}
			}
		})
	}
	// Queries on the survivors all along.
	var queries, queryErrors atomic.Int64
	stopQueries := make(chan struct{})
	var qwg sync.WaitGroup
	for i, p := range survivors {
		qwg.Go(func() {
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stopQueries:
					return
				case <-tick.C:
				}
				status, r, err := postWith(ctx, client, p, `query ($id: ID!) { customer(id: $id) { id profile { sources } } }`,
					map[string]any{"id": customers[i]})
				queries.Add(1)
				if err != nil || status != http.StatusOK || len(r.Errors) > 0 {
					queryErrors.Add(1)
				}
			}
		})
	}
	// The kill, a third of the way.
	go func() {
		defer close(killed)
		select {
		case <-third:
		case <-ctx.Done():
			return
		}
		_ = victim.cmd.Process.Kill()
		<-victim.done
	}()
	began := time.Now()
feed:
	for d := range deliveries {
		select {
		case work <- d:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	<-killed
	close(stopQueries)
	qwg.Wait()
	took := time.Since(began)
	if ctx.Err() != nil {
		t.Fatalf("deliveries not done in time: %d of %d acknowledged", ackedCount.Load(), deliveries)
	}

	st, err := store.Open(t.Context(), c.storeURI, c.database)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.Close(context.Background()) }()
	ids, err := st.ActivityEventIDs(t.Context(), "helpdesk")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, id := range ids {
		if strings.HasPrefix(id, prefix) {
			found[id] = true
		}
	}
	lost := 0
	for id := range acked {
		if !found[id] {
			lost++
		}
	}
	survivorErrors := 0
	for _, n := range survivorErr {
		survivorErrors += n
	}
	t.Logf("kill test: %d events sent in %d deliveries over %v; %d events acknowledged (2xx); %d of them found in the store afterwards, %d lost; "+
		"replica c killed (SIGKILL) after %d acknowledged deliveries, %d attempts failed on it and were resent; "+
		"errors seen on the survivors: %d on webhooks %v, %d of %d queries",
		sentEvents.Load(), deliveries, took.Round(time.Millisecond), len(acked), len(acked)-lost, lost,
		deliveries/3, victimErr, survivorErrors, survivorErr, queryErrors.Load(), queries.Load())
	if lost > 0 {
		t.Errorf("%d acknowledged events are not in the store", lost)
	}
	if len(acked) != int(sentEvents.Load()) {
		t.Errorf("%d events acknowledged of %d sent", len(acked), sentEvents.Load())
	}
	if survivorErrors > 0 || queryErrors.Load() > 0 {
		t.Errorf("the survivors failed %d webhook deliveries and %d queries", survivorErrors, queryErrors.Load())
	}
	if queries.Load() == 0 {
		t.Error("no query was asked of the survivors")
	}
	for _, p := range survivors {
		c.mustQuery(t, p, `{ __typename }`, nil, nil)
	}
}

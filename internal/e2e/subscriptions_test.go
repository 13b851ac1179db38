package e2e

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/simulators/helpdesk"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/testenv"
	"github.com/harmonyhq/harmony/internal/testlog"
)

const customerActivityQuery = `subscription($id: ID!) { customerActivity(customerId: $id) {
  id customerId source eventId eventType channel type direction occurredAt receivedAt summary threadRef } }`

// activityEvent is the decoded payload of a customerActivity event.
type activityEvent struct {
	Data struct {
		CustomerActivity struct {
			ID, CustomerID, Source, EventID, Channel, Type, Summary string
		} `json:"customerActivity"`
	} `json:"data"`
	Errors []gqlError `json:"errors"`
}

// liveSubscription is an open subscription, over either transport.
type liveSubscription interface {
	// next returns the payload of the next event.
	next(t *testing.T) activityEvent
}

type wsSubscription struct {
	ctx  context.Context
	conn *websocket.Conn
}

// subscribeWS opens a graphql-transport-ws subscription on the gateway at
// url.
func subscribeWS(ctx context.Context, t *testing.T, url, query string, vars map[string]any) liveSubscription {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/graphql", //nolint:bodyclose // Dial closes the response body itself
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.CloseNow() })
	if err := wsjson.Write(ctx, conn, map[string]any{"type": "connection_init"}); err != nil {
		t.Fatal(err)
	}
	var ack struct{ Type string }
	if err := wsjson.Read(ctx, conn, &ack); err != nil || ack.Type != "connection_ack" {
		t.Fatalf("connection_init: %+v %v", ack, err)
	}
	if err := wsjson.Write(ctx, conn, map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": query, "variables": vars}}); err != nil {
		t.Fatal(err)
	}
	return &wsSubscription{ctx: ctx, conn: conn}
}

func (s *wsSubscription) next(t *testing.T) activityEvent {
	t.Helper()
	var m struct {
		ID      string          `json:"id"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	if err := wsjson.Read(s.ctx, s.conn, &m); err != nil {
		t.Fatalf("websocket: %v", err)
	}
	if m.Type != "next" || m.ID != "1" {
		t.Fatalf("websocket: got %s %s %s, want next", m.Type, m.ID, m.Payload)
	}
	var e activityEvent
	if err := json.Unmarshal(m.Payload, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

type sseSubscription struct {
	events <-chan string // data of the "next" events
}

// subscribeSSE posts a subscription with Accept: text/event-stream to the
// gateway at url.
func subscribeSSE(ctx context.Context, t *testing.T, url, query string, vars map[string]any) liveSubscription {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		raw, _ := io.ReadAll(resp.Body)
		t.Fatalf("SSE: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	out := make(chan string, 16)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "next":
				out <- strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return &sseSubscription{events: out}
}

func (s *sseSubscription) next(t *testing.T) activityEvent {
	t.Helper()
	select {
	case data, ok := <-s.events:
		if !ok {
			t.Fatal("SSE stream ended")
		}
		var e activityEvent
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			t.Fatal(err)
		}
		return e
	case <-time.After(20 * time.Second):
		t.Fatal("no SSE event")
	}
	return activityEvent{}
}

// helpdeskCustomer returns a helpdesk user's key and the customer the
// gateway links it to.
func helpdeskCustomer(ctx context.Context, t *testing.T, gw *app.Gateway, pop *population.Population) (int64, string) {
	t.Helper()
	for _, p := range pop.Members(population.Helpdesk) {
		key := p.Key(population.Helpdesk)
		k, err := strconv.ParseInt(key, 10, 64)
		if err != nil {
			continue
		}
		owners, err := gw.Linker.Owners(ctx, []identity.Ref{{System: population.Helpdesk, Key: key}})
		if err != nil {
			t.Fatal(err)
		}
		if owners[0].CustomerID != "" {
			return k, owners[0].CustomerID
		}
	}
	t.Fatal("no helpdesk user is linked to a customer")
	return 0, ""
}

// sendUntil has the helpdesk simulator post a signed message.created
// webhook for user every 200 ms until got is set: a subscription starts
// asynchronously, so the first deliveries may come before it listens.
func sendUntil(ctx context.Context, t *testing.T, sim *helpdesk.Server, user int64, got *atomic.Bool) {
	for !got.Load() && ctx.Err() == nil {
		status, err := sim.SendWebhook(ctx, sim.NewMessageEvent(user, "whatsapp", "live from the subscription test", time.Now()))
		if err == nil && status != http.StatusOK {
			t.Errorf("webhook answered %d", status)
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A webhook event of a customer reaches that customer's subscribers, over
// graphql-transport-ws and over server-sent events.
func TestSubscriptionsReceiveWebhookEvents(t *testing.T) {
	e := boot(t)
	sim := e.demo.Simulators.Helpdesk
	sim.SetWebhook(e.srv.URL + "/webhooks/helpdesk")
	defer sim.SetWebhook("")
	user, customer := helpdeskCustomer(t.Context(), t, e.gw, e.demo.Simulators.Population())
	tests := []struct {
		name      string
		subscribe func(context.Context, *testing.T, string, string, map[string]any) liveSubscription
	}{
		{"graphql-transport-ws", subscribeWS},
		{"sse", subscribeSSE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			sub := tt.subscribe(ctx, t, e.srv.URL, customerActivityQuery, map[string]any{"id": customer})
			var got atomic.Bool
			done := make(chan struct{})
			go func() { defer close(done); sendUntil(ctx, t, sim, user, &got) }()
			ev := sub.next(t)
			got.Store(true)
			<-done
			a := ev.Data.CustomerActivity
			if len(ev.Errors) > 0 || a.CustomerID != customer || a.Source != "helpdesk" || a.Channel != "WHATSAPP" ||
				a.Type != "MESSAGE" || a.Summary != "live from the subscription test" || !strings.HasPrefix(a.EventID, "whk_") {
				t.Errorf("received %+v", ev)
			}
		})
	}
}

// Two gateways share NATS: an event gateway A's webhook takes reaches a
// subscriber of gateway B.
func TestSubscriptionsAcrossGatewaysOnNATS(t *testing.T) {
	e := bootAlone(t)
	natsURL := testenv.NATS(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var b [4]byte
	_, _ = rand.Read(b[:])
	suffix := hex.EncodeToString(b[:])
	build := func(name string) *app.Gateway {
		cfg := *e.demo.Config
		cfg.Store.DataDir = t.TempDir()
		cfg.Store.Database = "subscriptions_" + name + "_" + suffix // isolated on a shared MongoDB too
		cfg.Bus = config.Bus{NATSURL: connectors.Secret(natsURL), SubjectPrefix: "harmony_e2e_" + suffix}
		gw, err := app.Build(ctx, &cfg, app.Options{Log: testlog.Logger(&syncBuffer{})})
		if err != nil {
			t.Fatalf("build gateway %s (NATS at %s): %v", name, natsURL, err)
		}
		t.Cleanup(func() { gw.Close(context.Background()) })
		gw.MarkSynced()
		return gw
	}
	gwA, gwB := build("a"), build("b")
	keys := seedHelpdeskCustomers(t, gwA, e.demo.Simulators.Population())
	seedHelpdeskCustomers(t, gwB, e.demo.Simulators.Population())
	srvA, srvB := httptest.NewServer(gwA.Handler), httptest.NewServer(gwB.Handler)
	defer srvA.Close()
	defer srvB.Close()

	sim := e.demo.Simulators.Helpdesk
	sim.SetWebhook(srvA.URL + "/webhooks/helpdesk")
	defer sim.SetWebhook("")
	customer := fmt.Sprintf("cus_hd_%d", keys[0])
	sub := subscribeWS(ctx, t, srvB.URL, customerActivityQuery, map[string]any{"id": customer})
	var got atomic.Bool
	done := make(chan struct{})
	go func() { defer close(done); sendUntil(ctx, t, sim, keys[0], &got) }()
	ev := sub.next(t)
	got.Store(true)
	<-done
	if a := ev.Data.CustomerActivity; len(ev.Errors) > 0 || a.CustomerID != customer || a.Source != "helpdesk" {
		t.Errorf("gateway B's subscriber received %+v", ev)
	}
}

// Shutting a serving gateway down drains its subscriptions: the websocket
// gets "complete" and a 1001 close, the SSE stream "event: complete" and
// its end, and Serve returns well before the shutdown timeout.
func TestSubscriptionsDrainOnShutdown(t *testing.T) {
	e := boot(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cfg := *e.demo.Config
	cfg.Store.DataDir = t.TempDir()
	var b [4]byte
	_, _ = rand.Read(b[:])
	cfg.Store.Database = "drain_" + hex.EncodeToString(b[:])
	cfg.Server.ShutdownTimeout = 10 * time.Second
	gw, err := app.Build(ctx, &cfg, app.Options{Log: testlog.Logger(&syncBuffer{})})
	if err != nil {
		t.Fatal(err)
	}
	defer gw.Close(context.Background())
	gw.MarkSynced()
	keys := seedHelpdeskCustomers(t, gw, e.demo.Simulators.Population())
	customer := fmt.Sprintf("cus_hd_%d", keys[0])

	serveCtx, stop := context.WithCancel(ctx)
	defer stop()
	addr := make(chan string, 1)
	served := make(chan error, 1)
	go func() {
		served <- gw.Serve(serveCtx, "127.0.0.1:0", func(a net.Addr) { addr <- a.String() })
	}()
	url := "http://" + <-addr
	ws := subscribeWS(ctx, t, url, customerActivityQuery, map[string]any{"id": customer}).(*wsSubscription)
	sse := subscribeSSE(ctx, t, url, customerActivityQuery, map[string]any{"id": customer}).(*sseSubscription)

	// Both are live once each has an event.
	var got atomic.Bool
	go func() {
		for i := 0; !got.Load() && ctx.Err() == nil; i++ {
			_ = gw.Bus.Publish(ctx, bus.Event{ID: fmt.Sprintf("act_drain_%d", i), Connector: "helpdesk", EventID: fmt.Sprint(i),
				CustomerID: customer, ReceivedAt: time.Now().UTC()})
			time.Sleep(50 * time.Millisecond)
		}
	}()
	ws.next(t)
	sse.next(t)
	got.Store(true)

	start := time.Now()
	stop()
	var m struct{ ID, Type string }
	for m.Type == "" || m.Type == "next" {
		if err := wsjson.Read(ctx, ws.conn, &m); err != nil {
			t.Fatalf("websocket before complete: %v", err)
		}
	}
	if m.Type != "complete" {
		t.Fatalf("websocket: got %+v, want complete", m)
	}
	if err := wsjson.Read(ctx, ws.conn, &m); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Fatalf("websocket: %v, want close 1001", err)
	}
	for range sse.events { // the stream ends
	}
	if err := <-served; err != nil {
		t.Fatalf("serve: %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("shutdown took %v with subscriptions open", took)
	}
}

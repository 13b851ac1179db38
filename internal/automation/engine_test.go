package automation_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/connectors"
	_ "github.com/harmonyhq/harmony/connectors/all"
	"github.com/harmonyhq/harmony/internal/automation"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/calls"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

// outbox is a channel system's send endpoint as the engine sees it: it
// records what it is asked to send, dropping a repeated idempotency key as
// the demo's systems do.
type outbox struct {
	name     string
	channels []string

	mu    sync.Mutex
	calls int
	sent  []connectors.OutboundMessage
}

func (o *outbox) Name() string           { return o.name }
func (o *outbox) SendChannels() []string { return o.channels }
func (o *outbox) SendMessages(_ context.Context, msgs []connectors.OutboundMessage) ([]connectors.SendResult, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.calls++
	out := make([]connectors.SendResult, len(msgs))
	for i, m := range msgs {
		if !slices.ContainsFunc(o.sent, func(s connectors.OutboundMessage) bool { return s.IdempotencyKey == m.IdempotencyKey }) {
			o.sent = append(o.sent, m)
		}
		out[i] = connectors.SendResult{MessageID: fmt.Sprintf("%s-%d", o.name, len(o.sent)), Status: "queued"}
	}
	return out, nil
}

func (o *outbox) count() (calls, sent int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.calls, len(o.sent)
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const customer = "cus_auto_1"

// seed stores a customer known to the helpdesk (WhatsApp), the SMS
// provider and the call center, with a French phone number.
func seed(t *testing.T, st *store.Store, at time.Time) {
	t.Helper()
	ext := func(system, key string) store.Identity {
		return store.Identity{ID: store.IdentityID(store.KindExternalID, system, key), CustomerID: customer, Kind: store.KindExternalID,
			System: system, Value: key, Rule: "test", Source: system, Confidence: 1, LinkedAt: at}
	}
	ids := []store.Identity{ext("helpdesk", "u_1"), ext("sms", "+33612345678"), ext("calls", "c_1"),
		{ID: store.IdentityID(store.KindPhone, "", "+33612345678"), CustomerID: customer, Kind: store.KindPhone, Value: "+33612345678",
			Rule: "test", Source: "crm", Confidence: 1, LinkedAt: at}}
	if _, _, err := st.AddLinked(t.Context(), []store.Customer{{ID: customer, CreatedAt: at}}, ids); err != nil {
		t.Fatal(err)
	}
}

func grant(t *testing.T, st *store.Store, purpose, channel string, granted bool, at time.Time) {
	t.Helper()
	if _, err := st.AddConsent(t.Context(), store.Consent{CustomerID: customer, Purpose: purpose, Channel: channel,
		Granted: granted, Source: "test", Actor: "test", RecordedAt: at}); err != nil {
		t.Fatal(err)
	}
}

func cartJourney() config.JourneyRule {
	return config.JourneyRule{ID: "cart-abandoned",
		Trigger: config.JourneyTrigger{Event: &config.EventTrigger{Connector: "harmony", Type: "interaction.recorded",
			Channel: "app", Attributes: map[string]string{"event": "cart_abandoned"}}},
		Delay:  time.Hour,
		Action: config.JourneyAction{Kind: config.ActionMessage, Template: "cart_reminder", Channels: []string{"whatsapp", "sms"}}}
}

func cartEvent(id string) bus.Event {
	return bus.Event{ID: store.ActivityID("harmony", id), Connector: "harmony", EventID: id, Type: "interaction.recorded",
		CustomerID: customer, Interaction: &connectors.Interaction{ID: id, Channel: "app", Type: "visit",
			Attributes: map[string]string{"event": "cart_abandoned"}}}
}

func senders(list ...automation.Sender) func() []automation.Sender {
	return func() []automation.Sender { return list }
}

func counts(t *testing.T, e *automation.Engine, id string) automation.Counts {
	t.Helper()
	c, err := e.Counts(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestOncePerTrigger: a trigger heard again, by a restarted engine (a new
// engine over the same store) and by replicas, is one run and one send;
// two engines acting at once send once; a run claimed by an engine that
// died is taken over after its lease, and still sent once.
func TestOncePerTrigger(t *testing.T) {
	ctx := t.Context()
	st := storetest.Open(t)
	clk := &clock{t: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)}
	seed(t, st, clk.Now())
	grant(t, st, "marketing", "whatsapp", true, clk.Now())
	wa := &outbox{name: "helpdesk", channels: []string{"whatsapp", "chat"}}
	engine := func(owner string) *automation.Engine {
		return automation.New(automation.Options{Store: st, Senders: senders(wa), Journeys: []config.JourneyRule{cartJourney()},
			Owner: owner, Now: clk.Now, Lease: time.Minute})
	}
	first := engine("first")
	for range 2 {
		if err := first.HandleEvent(ctx, cartEvent("e1")); err != nil {
			t.Fatal(err)
		}
	}
	// The gateway restarts: a new engine over the same store hears the
	// event again (the bus of another replica, a retried webhook).
	restarted, replica := engine("restarted"), engine("replica")
	var wg sync.WaitGroup
	for _, e := range []*automation.Engine{restarted, replica} {
		wg.Go(func() {
			if err := e.HandleEvent(ctx, cartEvent("e1")); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if c := counts(t, restarted, "cart-abandoned"); c.Triggered != 1 {
		t.Fatalf("triggered %d times, want 1", c.Triggered)
	}
	// Not due yet.
	if n, err := restarted.RunDue(ctx); err != nil || n != 0 {
		t.Fatalf("before the delay: %d runs done, %v", n, err)
	}
	clk.Add(time.Hour)
	// An engine claims the run and dies before acting.
	runID := store.JourneyRunID("cart-abandoned", customer, cartEvent("e1").ID)
	if r, err := st.ClaimJourneyRun(ctx, runID, "died", clk.Now(), time.Minute); err != nil || r == nil {
		t.Fatalf("claim = %v, %v", r, err)
	}
	for _, e := range []*automation.Engine{restarted, replica} {
		if n, err := e.RunDue(ctx); err != nil || n != 0 {
			t.Fatalf("under another's lease: %d runs done, %v", n, err)
		}
	}
	clk.Add(2 * time.Minute)
	done := make(chan int, 4)
	for _, e := range []*automation.Engine{restarted, replica, engine("third"), engine("fourth")} {
		wg.Go(func() {
			n, err := e.RunDue(ctx)
			if err != nil {
				t.Error(err)
			}
			done <- n
		})
	}
	wg.Wait()
	close(done)
	total := 0
	for n := range done {
		total += n
	}
	calls, sent := wa.count()
	if total != 1 || calls != 1 || sent != 1 {
		t.Fatalf("finished %d runs, %d send requests, %d messages; want 1 each", total, calls, sent)
	}
	if c := counts(t, replica, "cart-abandoned"); c.Triggered != 1 || c.Sent != 1 {
		t.Fatalf("counts = %+v", c)
	}
	runs, err := st.JourneyRunsOf(ctx, customer, 10)
	if err != nil || len(runs) != 1 || runs[0].State != store.RunSent || runs[0].Channel != "whatsapp" || runs[0].Connector != "helpdesk" {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
}

// TestConsentRevokedBeforeSend: consent given at the trigger and withdrawn
// before the send means no send, and the run says why.
func TestConsentRevokedBeforeSend(t *testing.T) {
	ctx := t.Context()
	st := storetest.Open(t)
	clk := &clock{t: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)}
	seed(t, st, clk.Now())
	grant(t, st, "marketing", "whatsapp", true, clk.Now())
	wa := &outbox{name: "helpdesk", channels: []string{"whatsapp"}}
	sms := &outbox{name: "sms", channels: []string{"sms"}}
	e := automation.New(automation.Options{Store: st, Senders: senders(wa, sms), Journeys: []config.JourneyRule{cartJourney()}, Now: clk.Now})
	if err := e.HandleEvent(ctx, cartEvent("e1")); err != nil {
		t.Fatal(err)
	}
	clk.Add(30 * time.Minute)
	grant(t, st, "marketing", "", false, clk.Now()) // withdrawn on every channel
	clk.Add(30 * time.Minute)
	if _, err := e.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	if c1, _ := wa.count(); c1 != 0 {
		t.Fatalf("%d WhatsApp sends after consent was withdrawn", c1)
	}
	if c2, _ := sms.count(); c2 != 0 {
		t.Fatalf("%d SMS sends after consent was withdrawn", c2)
	}
	runs, err := st.JourneyRunsOf(ctx, customer, 10)
	if err != nil || len(runs) != 1 || runs[0].State != store.RunSkipped || runs[0].Reason != automation.ReasonConsent {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
	if c := counts(t, e, "cart-abandoned"); c.Sent != 0 || c.Skipped[automation.ReasonConsent] != 1 {
		t.Fatalf("counts = %+v", c)
	}
}

// TestQuietHoursAndCaps runs in a bubble whose clock starts at midnight
// UTC (01:00 in Paris, inside 21:00-08:00 quiet hours): the action waits
// for 08:00 Paris; a cap of one WhatsApp a day moves the next run to SMS,
// and skips the one after; a day later WhatsApp is free again.
func TestQuietHoursAndCaps(t *testing.T) {
	// The server runs outside the bubble; the client (its pool and
	// monitors) inside, so that its timers follow the bubble's clock.
	srv := storetest.NewServer(t)
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		st := srv.Open(t)
		seed(t, st, time.Now())
		grant(t, st, "marketing", "whatsapp", true, time.Now())
		grant(t, st, "marketing", "sms", true, time.Now())
		wa := &outbox{name: "helpdesk", channels: []string{"whatsapp"}}
		sms := &outbox{name: "sms", channels: []string{"sms"}}
		j := cartJourney()
		j.Delay = 0
		j.Cap = &config.JourneyCap{Max: 1, Per: 24 * time.Hour}
		j.QuietHours = &config.QuietHours{Start: "21:00", End: "08:00", TimeZone: "Europe/Paris",
			PhoneTimeZones: map[string]string{"+44": "Europe/London"}}
		e := automation.New(automation.Options{Store: st, Senders: senders(wa, sms), Journeys: []config.JourneyRule{j}})
		step := func(event string) {
			t.Helper()
			if err := e.HandleEvent(ctx, cartEvent(event)); err != nil {
				t.Fatal(err)
			}
			if _, err := e.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
		}
		step("e1")
		if c, _ := wa.count(); c != 0 {
			t.Fatalf("sent during quiet hours at %s", time.Now().UTC())
		}
		time.Sleep(6*time.Hour + 59*time.Minute) // 07:59 Paris
		if _, err := e.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if c, _ := wa.count(); c != 0 {
			t.Fatal("sent before quiet hours ended")
		}
		time.Sleep(time.Minute) // 08:00 Paris
		if _, err := e.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if c, _ := wa.count(); c != 1 {
			t.Fatalf("%d WhatsApp sends at the end of quiet hours, want 1", c)
		}
		step("e2") // WhatsApp capped: SMS
		step("e3") // both capped: skipped
		if cw, _ := wa.count(); cw != 1 {
			t.Fatalf("%d WhatsApp sends under a cap of 1 a day", cw)
		}
		if cs, _ := sms.count(); cs != 1 {
			t.Fatalf("%d SMS sends, want 1 (the fallback)", cs)
		}
		time.Sleep(24 * time.Hour)
		step("e4")
		if cw, _ := wa.count(); cw != 2 {
			t.Fatalf("%d WhatsApp sends a day later, want 2", cw)
		}
		c := counts(t, e, j.ID)
		if c.Triggered != 4 || c.Sent != 3 || c.Skipped[automation.ReasonCap] != 1 {
			t.Fatalf("counts = %+v", c)
		}
	})
}

// TestCallbackTask: an NPS detractor's answer makes the call center
// schedule a callback task, through the rest connector configured as the
// demo configures it; a promoter's does not.
func TestCallbackTask(t *testing.T) {
	ctx := t.Context()
	st := storetest.Open(t)
	pop := population.Generate(7, 20)
	sim, err := calls.New(ctx, pop, calls.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Stop)
	contact := pop.Members(population.Calls)[0].Key(population.Calls)
	var node yaml.Node
	if err := yaml.Unmarshal([]byte(`
base_url: `+sim.URL()+`
auth: { type: api_key, header: X-Api-Key, key: `+calls.DefaultKey+` }
send:
  method: POST
  path: /v1/callbacks
  per_message: true
  channels: [phone]
  body: >-
    {"contact_id": {{json .Message.CustomerKey}}, "reason": {{json .Message.Template}},
     "params": {{json .Message.Params}}, "idempotency_key": {{json .Message.IdempotencyKey}}}
  records: $
  message_id: $.id
  status: $.status
`), &node); err != nil {
		t.Fatal(err)
	}
	conn, err := connectors.Build(ctx, "rest", node.Content[0], connectors.Env{Name: "calls"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	callCenter := named{Connector: conn, name: "calls"}

	clk := &clock{t: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)}
	ext := store.Identity{ID: store.IdentityID(store.KindExternalID, "calls", contact), CustomerID: customer, Kind: store.KindExternalID,
		System: "calls", Value: contact, Rule: "test", Source: "calls", Confidence: 1, LinkedAt: clk.Now()}
	if _, _, err := st.AddLinked(ctx, []store.Customer{{ID: customer, CreatedAt: clk.Now()}}, []store.Identity{ext}); err != nil {
		t.Fatal(err)
	}
	grant(t, st, "service", "phone", true, clk.Now())
	six := 6.0
	j := config.JourneyRule{ID: "nps-detractor",
		Trigger: config.JourneyTrigger{Event: &config.EventTrigger{Connector: "mailing", InteractionType: "survey_response",
			Score: &config.ScoreMatch{Attribute: "nps", Max: &six}}},
		Action: config.JourneyAction{Kind: config.ActionCallback, Template: "nps_detractor", Channels: []string{"phone"}, Purpose: "service"}}
	b := bus.NewLocal(bus.Options{})
	defer func() { _ = b.Close() }()
	events, stop := b.Subscribe(ctx, bus.Filter{CustomerIDs: []string{customer}})
	defer stop()
	e := automation.New(automation.Options{Store: st, Bus: b, Senders: senders(callCenter), Journeys: []config.JourneyRule{j}, Now: clk.Now})
	answer := func(id, score string) bus.Event {
		return bus.Event{ID: store.ActivityID("mailing", id), Connector: "mailing", EventID: id, Type: "survey", CustomerID: customer,
			Interaction: &connectors.Interaction{ID: id, Channel: "email", Type: "survey_response", Attributes: map[string]string{"nps": score}}}
	}
	for _, ev := range []bus.Event{answer("a1", "9"), answer("a2", "3"), answer("a2", "3")} {
		if err := e.HandleEvent(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if _, err := e.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := sim.Count("callbacks.create"); n != 1 {
		t.Fatalf("the call center got %d callback requests, want 1", n)
	}
	tasks := sim.Callbacks()
	if len(tasks) != 1 || tasks[0].Recipient != contact || tasks[0].Channel != "phone" {
		t.Fatalf("callback tasks = %+v", tasks)
	}
	select {
	case ev := <-events:
		if ev.Type != automation.EventCallback || ev.Interaction == nil || ev.Interaction.ID != tasks[0].ID || ev.Connector != "calls" {
			t.Fatalf("published %+v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the callback was not published to subscribers")
	}
	sim2, err := e.Simulate(ctx, "nps-detractor", customer)
	if err != nil || !sim2.WouldSend || sim2.Channel != "phone" || sim2.Connector != "calls" {
		t.Fatalf("simulate = %+v, %v", sim2, err)
	}
}

// named gives a built connector the name its source would have.
type named struct {
	connectors.Connector
	name string
}

func (n named) Name() string { return n.name }
func (n named) SendChannels() []string {
	return n.Connector.(connectors.ChannelSender).SendChannels()
}
func (n named) SendMessages(ctx context.Context, msgs []connectors.OutboundMessage) ([]connectors.SendResult, error) {
	return n.Connector.(connectors.MessageSender).SendMessages(ctx, msgs)
}

package bus_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/testenv"
)

func event(id, customer, channel string) bus.Event {
	return bus.Event{ID: "act_" + id, Connector: "helpdesk", EventID: id, Type: "message.created", CustomerID: customer,
		ReceivedAt:  time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC),
		Interaction: &connectors.Interaction{ID: "m" + id, Channel: channel, Type: connectors.TypeMessage}}
}

func receive(t *testing.T, ch <-chan bus.Event) bus.Event {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("channel closed")
		}
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
	}
	return bus.Event{}
}

func none(t *testing.T, ch <-chan bus.Event) {
	t.Helper()
	select {
	case e, ok := <-ch:
		if ok {
			t.Fatalf("unexpected event %s", e.EventID)
		}
	case <-time.After(50 * time.Millisecond):
	}
}

func TestFilter(t *testing.T) {
	e := event("1", "c1", "chat")
	tests := []struct {
		f    bus.Filter
		want bool
	}{
		{bus.Filter{}, true},
		{bus.Filter{CustomerIDs: []string{"c2", "c1"}}, true},
		{bus.Filter{CustomerIDs: []string{"c2"}}, false},
		{bus.Filter{Connectors: []string{"helpdesk"}, Channels: []string{"chat"}}, true},
		{bus.Filter{Channels: []string{"whatsapp"}}, false},
		{bus.Filter{Types: []string{"ticket.solved"}}, false},
	}
	for _, tt := range tests {
		if got := tt.f.Match(e); got != tt.want {
			t.Errorf("%+v.Match = %t, want %t", tt.f, got, tt.want)
		}
	}
	if (bus.Filter{Channels: []string{"chat"}}).Match(bus.Event{ID: "x"}) {
		t.Error("a channel filter matched an event without interaction")
	}
}

func TestLocalFanOut(t *testing.T) {
	b := bus.NewLocal(bus.Options{})
	defer func() { _ = b.Close() }()
	all, cancelAll := b.Subscribe(t.Context(), bus.Filter{})
	defer cancelAll()
	c1, cancel1 := b.Subscribe(t.Context(), bus.Filter{CustomerIDs: []string{"c1"}})
	_ = b.Publish(t.Context(), event("1", "c1", "chat"))
	_ = b.Publish(t.Context(), event("2", "c2", "chat"))
	if e := receive(t, all); e.EventID != "1" {
		t.Errorf("all got %s first", e.EventID)
	}
	if e := receive(t, all); e.EventID != "2" {
		t.Errorf("all got %s second", e.EventID)
	}
	if e := receive(t, c1); e.EventID != "1" {
		t.Errorf("c1 got %s", e.EventID)
	}
	none(t, c1)
	cancel1()
	cancel1() // twice is harmless
	if _, ok := <-c1; ok {
		t.Error("channel open after cancel")
	}
	_ = b.Publish(t.Context(), event("3", "c1", "chat")) // no panic on a cancelled subscriber

	ctx, cancel := context.WithCancel(t.Context())
	byCtx, _ := b.Subscribe(ctx, bus.Filter{})
	cancel()
	select {
	case _, ok := <-byCtx:
		if ok {
			// An event published before the cancel may come first.
			for range byCtx {
			}
		}
	case <-time.After(2 * time.Second):
		t.Fatal("channel not closed when the context ended")
	}
}

func TestLocalSlowSubscriberDropsOldest(t *testing.T) {
	reg := prometheus.NewRegistry()
	b := bus.NewLocal(bus.Options{Buffer: 4, Registerer: reg})
	defer func() { _ = b.Close() }()
	slow, cancel := b.Subscribe(t.Context(), bus.Filter{})
	defer cancel()
	for i := range 1000 {
		_ = b.Publish(t.Context(), event(fmt.Sprint(i), "c", "chat"))
	}
	var got []string
	for range 4 {
		got = append(got, receive(t, slow).EventID)
	}
	none(t, slow)
	if strings.Join(got, ",") != "996,997,998,999" {
		t.Errorf("kept %v, want the 4 newest", got)
	}
	if d := b.Dropped(); d != 996 {
		t.Errorf("dropped %d, want 996", d)
	}
	if n := testutil.ToFloat64(metric(t, reg, "harmony_bus_dropped_events_total")); n != 996 {
		t.Errorf("metric says %v dropped", n)
	}
}

func metric(t *testing.T, reg *prometheus.Registry, name string) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: "copy"})
			c.Add(mf.GetMetric()[0].GetCounter().GetValue())
			return c
		}
	}
	t.Fatalf("no metric %s", name)
	return nil
}

func TestLocalConcurrentPublishAndCancel(t *testing.T) {
	b := bus.NewLocal(bus.Options{Buffer: 8})
	defer func() { _ = b.Close() }()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 2000 {
			_ = b.Publish(context.Background(), event(fmt.Sprint(i), "c", "chat"))
		}
	}()
	for range 50 {
		ch, cancel := b.Subscribe(t.Context(), bus.Filter{})
		go func() {
			for range ch {
			}
		}()
		cancel()
	}
	<-done
}

// TestLocalSubscribeWithEndedContext: a subscription whose context has
// already ended (a client gone before the subscription starts) is closed
// at once, and cancelling it too is harmless. Under -race this caught the
// context's callback reading what Subscribe was still writing.
func TestLocalSubscribeWithEndedContext(t *testing.T) {
	reg := prometheus.NewRegistry()
	b := bus.NewLocal(bus.Options{Buffer: 8, Registerer: reg})
	defer func() { _ = b.Close() }()
	for range 200 {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		ch, unsubscribe := b.Subscribe(ctx, bus.Filter{})
		select {
		case _, ok := <-ch:
			if ok {
				t.Fatal("an event on a subscription whose context had ended")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the subscription of an ended context stayed open")
		}
		unsubscribe()
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "harmony_bus_subscribers" {
			if got := mf.GetMetric()[0].GetGauge().GetValue(); got != 0 {
				t.Fatalf("harmony_bus_subscribers = %v after every subscription ended, want 0", got)
			}
			return
		}
	}
	t.Fatal("no metric harmony_bus_subscribers")
}

// TestNATSAcrossInstances: an event one gateway publishes reaches a
// subscriber of another gateway on the same NATS, once.
func TestNATSAcrossInstances(t *testing.T) {
	prefix := fmt.Sprintf("harmony_test_%d", time.Now().UnixNano())
	url := testenv.NATS(t)
	cfg := config.Bus{NATSURL: connectors.Secret(url), SubjectPrefix: prefix}
	a, err := bus.Open(t.Context(), cfg, bus.Options{})
	if err != nil {
		t.Fatalf("NATS at %s: %v", url, err)
	}
	defer func() { _ = a.Close() }()
	b, err := bus.Open(t.Context(), cfg, bus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	onB, cancel := b.Subscribe(t.Context(), bus.Filter{CustomerIDs: []string{"c1"}})
	defer cancel()
	onA, cancelA := a.Subscribe(t.Context(), bus.Filter{})
	defer cancelA()

	want := event("n1", "c1", "whatsapp")
	if err := a.Publish(t.Context(), event("n0", "c0", "chat")); err != nil {
		t.Fatal(err)
	}
	if err := a.Publish(t.Context(), want); err != nil {
		t.Fatal(err)
	}
	got := receive(t, onB)
	if got.ID != want.ID || got.CustomerID != "c1" || got.Interaction == nil || got.Interaction.Channel != "whatsapp" ||
		!got.ReceivedAt.Equal(want.ReceivedAt) {
		t.Errorf("b received %+v", got)
	}
	none(t, onB)
	if e := receive(t, onA); e.EventID != "n0" {
		t.Errorf("a's own subscriber got %s first", e.EventID)
	}
	if e := receive(t, onA); e.EventID != "n1" {
		t.Errorf("a's own subscriber got %s second", e.EventID)
	}
	none(t, onA)

	other, err := bus.Open(t.Context(), config.Bus{NATSURL: cfg.NATSURL, SubjectPrefix: prefix + "_other"}, bus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = other.Close() }()
	onOther, cancelOther := other.Subscribe(t.Context(), bus.Filter{})
	defer cancelOther()
	_ = a.Publish(t.Context(), event("n2", "c1", "chat"))
	_ = receive(t, onB)
	none(t, onOther)
}

func TestOpenRefusesBadPrefix(t *testing.T) {
	_, err := bus.Open(t.Context(), config.Bus{NATSURL: "nats://user:hunter2@127.0.0.1:4222", SubjectPrefix: "bad prefix>"}, bus.Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v, want an error without the URL's password", err)
	}
}

// invalidations collects what an invalidation handler hears.
type invalidations struct {
	ch chan bus.Invalidation
}

func listen(b bus.Bus) *invalidations {
	l := &invalidations{ch: make(chan bus.Invalidation, 16)}
	b.OnInvalidate(func(inv bus.Invalidation) { l.ch <- inv })
	return l
}

func (l *invalidations) next(t *testing.T) bus.Invalidation {
	t.Helper()
	select {
	case inv := <-l.ch:
		return inv
	case <-time.After(5 * time.Second):
		t.Fatal("no invalidation")
	}
	return bus.Invalidation{}
}

func (l *invalidations) none(t *testing.T) {
	t.Helper()
	select {
	case inv := <-l.ch:
		t.Fatalf("unexpected invalidation %+v", inv)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestLocalInvalidate: the handlers hear an invalidation before Invalidate
// returns.
func TestLocalInvalidate(t *testing.T) {
	b := bus.NewLocal(bus.Options{})
	defer func() { _ = b.Close() }()
	l := listen(b)
	if err := b.Invalidate(t.Context(), bus.Invalidation{CustomerIDs: []string{"cus_1"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case inv := <-l.ch:
		if len(inv.CustomerIDs) != 1 || inv.CustomerIDs[0] != "cus_1" {
			t.Errorf("heard %+v", inv)
		}
	default:
		t.Fatal("the handler had not run when Invalidate returned")
	}
}

// TestNATSInvalidateAcrossInstances: an invalidation one gateway sends
// reaches the other's handlers once, and its own handlers once, at once;
// a big one arrives whole, in several messages.
func TestNATSInvalidateAcrossInstances(t *testing.T) {
	prefix := fmt.Sprintf("harmony_test_%d", time.Now().UnixNano())
	url := testenv.NATS(t)
	cfg := config.Bus{NATSURL: connectors.Secret(url), SubjectPrefix: prefix}
	a, err := bus.Open(t.Context(), cfg, bus.Options{})
	if err != nil {
		t.Fatalf("NATS at %s: %v", url, err)
	}
	defer func() { _ = a.Close() }()
	b, err := bus.Open(t.Context(), cfg, bus.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	onA, onB := listen(a), listen(b)
	if err := a.Invalidate(t.Context(), bus.Invalidation{CustomerIDs: []string{"cus_1", "cus_2"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case inv := <-onA.ch:
		if len(inv.CustomerIDs) != 2 {
			t.Errorf("a heard %+v", inv)
		}
	default:
		t.Fatal("a's own handler had not run when Invalidate returned")
	}
	if inv := onB.next(t); len(inv.CustomerIDs) != 2 || inv.CustomerIDs[1] != "cus_2" {
		t.Errorf("b heard %+v", inv)
	}
	onA.none(t)

	many := make([]string, 4500)
	for i := range many {
		many[i] = fmt.Sprintf("cus_%016d", i)
	}
	if err := b.Invalidate(t.Context(), bus.Invalidation{CustomerIDs: many}); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < len(many) {
		got = append(got, onA.next(t).CustomerIDs...)
	}
	if len(got) != len(many) || got[0] != many[0] || got[len(got)-1] != many[len(many)-1] {
		t.Errorf("a heard %d customers, want %d in order", len(got), len(many))
	}
}

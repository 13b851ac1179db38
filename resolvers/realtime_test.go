package resolvers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/drain"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func liveEvent(id, customer, connector, channel, typ string) bus.Event {
	e := bus.Event{ID: "act_" + id, Connector: connector, EventID: id, Type: "message.created", CustomerID: customer,
		ReceivedAt: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	if channel != "" {
		e.Interaction = &connectors.Interaction{ID: "m" + id, Channel: channel, Type: typ, Summary: "hi " + id,
			OccurredAt: time.Date(2026, 5, 1, 11, 59, 0, 0, time.UTC)}
	}
	return e
}

// drained reads what ch holds until 100 ms pass without an event.
func drained(ch <-chan *model.ActivityEvent) (ids []string, closed bool) {
	for {
		select {
		case e, ok := <-ch:
			if !ok {
				return ids, true
			}
			ids = append(ids, e.EventID)
		case <-time.After(100 * time.Millisecond):
			return ids, false
		}
	}
}

func TestActivityFilter(t *testing.T) {
	tests := []struct {
		name   string
		filter *model.ActivityFilter
		want   []string
	}{
		{"everything", nil, []string{"1", "2", "3", "4"}},
		{"channel", &model.ActivityFilter{Channels: []model.Channel{model.ChannelWhatsapp}}, []string{"2"}},
		{"type", &model.ActivityFilter{Types: []model.InteractionType{model.InteractionTypeTicket}}, []string{"3"}},
		{"source", &model.ActivityFilter{Sources: []string{"mailing"}}, []string{"3", "4"}},
		{"channel and source", &model.ActivityFilter{Channels: []model.Channel{model.ChannelChat, model.ChannelEmail},
			Sources: []string{"helpdesk"}}, []string{"1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := bus.NewLocal(bus.Options{})
			defer func() { _ = b.Close() }()
			r := &Resolver{Bus: b}
			ch, err := r.Subscription().Activity(t.Context(), tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range []bus.Event{
				liveEvent("1", "c1", "helpdesk", "chat", "message"),
				liveEvent("2", "c2", "helpdesk", "WhatsApp", "message"),
				liveEvent("3", "", "mailing", "email", "ticket"),
				liveEvent("4", "c1", "mailing", "", ""),
			} {
				_ = b.Publish(t.Context(), e)
			}
			got, _ := drained(ch)
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestToActivityEvent(t *testing.T) {
	a := toActivityEvent(liveEvent("1", "c1", "helpdesk", "chat", "message"))
	if a.ID != "act_1" || *a.CustomerID != "c1" || a.Source != "helpdesk" || *a.Channel != model.ChannelChat ||
		*a.Type != model.InteractionTypeMessage || *a.Summary != "hi 1" || a.OccurredAt.Minute() != 59 || a.ReceivedAt.Minute() != 0 {
		t.Errorf("converted %+v", a)
	}
	b := toActivityEvent(liveEvent("2", "", "mailing", "", ""))
	if b.CustomerID != nil || b.Channel != nil || b.Type != nil || b.Summary != nil || !b.OccurredAt.Equal(b.ReceivedAt) {
		t.Errorf("an event without customer or contact: %+v", b)
	}
}

// A subscriber that does not read keeps its bus buffer of newest events
// plus the one in hand; the rest are dropped and counted.
func TestSlowSubscriberIsBounded(t *testing.T) {
	reg := prometheus.NewRegistry()
	b := bus.NewLocal(bus.Options{Buffer: 4, Registerer: reg})
	defer func() { _ = b.Close() }()
	r := &Resolver{Bus: b}
	ch, err := r.Subscription().Activity(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 10_000
	for i := range n {
		_ = b.Publish(t.Context(), liveEvent(fmt.Sprint(i), "c", "helpdesk", "chat", "message"))
	}
	got, _ := drained(ch)
	if len(got) < 4 || len(got) > 5 {
		t.Fatalf("a slow subscriber got %d events, want the buffer's 4 (+1 in hand): %v", len(got), got)
	}
	if want := []string{"9996", "9997", "9998", "9999"}; !slices.Equal(got[len(got)-4:], want) {
		t.Errorf("kept %v, want the newest %v", got, want)
	}
	if d := b.Dropped(); d != int64(n-len(got)) {
		t.Errorf("dropped %d, want %d", d, n-len(got))
	}
}

func TestSubscriptionEnds(t *testing.T) {
	t.Run("context", func(t *testing.T) {
		b := bus.NewLocal(bus.Options{})
		defer func() { _ = b.Close() }()
		ctx, cancel := context.WithCancel(t.Context())
		ch, err := (&Resolver{Bus: b}).Subscription().Activity(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		cancel()
		if _, closed := drained(ch); !closed {
			t.Error("open after its context ended")
		}
	})
	t.Run("drain", func(t *testing.T) {
		b := bus.NewLocal(bus.Options{})
		defer func() { _ = b.Close() }()
		d := drain.New()
		ctx := drain.With(t.Context(), d)
		r := &Resolver{Bus: b}
		ch, err := r.Subscription().Activity(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d.Streams() != 1 {
			t.Fatalf("%d streams tracked, want 1", d.Streams())
		}
		wctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if err := d.Wait(wctx); err != nil {
			t.Fatalf("drain: %v", err)
		}
		if _, closed := drained(ch); !closed {
			t.Error("open after the drain")
		}
		_, err = r.Subscription().Activity(ctx, nil)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Code != codeShuttingDown {
			t.Errorf("subscribing while draining: %v, want %s", err, codeShuttingDown)
		}
	})
	t.Run("bus closed", func(t *testing.T) {
		b := bus.NewLocal(bus.Options{})
		ch, err := (&Resolver{Bus: b}).Subscription().Activity(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		_ = b.Close()
		if _, closed := drained(ch); !closed {
			t.Error("open after the bus closed")
		}
	})
	t.Run("no bus", func(t *testing.T) {
		if _, err := (&Resolver{}).Subscription().Activity(t.Context(), nil); err == nil {
			t.Error("subscribed without a bus")
		}
	})
}

// customerActivity follows merges: a merged-away ID subscribes to its
// survivor, and the survivor's subscription gets the events of customers
// merged into it.
func TestCustomerActivityFollowsMerges(t *testing.T) {
	ctx := t.Context()
	st := storetest.Open(t)
	now := time.Now().UTC()
	if _, err := st.AddCustomers(ctx, []store.Customer{
		{ID: "cus_s", CreatedAt: now},
		{ID: "cus_m1", CreatedAt: now, MergedInto: "cus_s"},
		{ID: "cus_m2", CreatedAt: now, MergedInto: "cus_m1"},
		{ID: "cus_other", CreatedAt: now},
	}); err != nil {
		t.Fatal(err)
	}
	b := bus.NewLocal(bus.Options{})
	defer func() { _ = b.Close() }()
	r := &Resolver{Store: st, Bus: b}
	tests := []struct {
		subscribe string
		want      []string
	}{
		{"cus_s", []string{"s", "m1", "m2"}},
		{"cus_m2", []string{"s", "m1", "m2"}},
		{"cus_other", []string{"o"}},
	}
	for _, tt := range tests {
		t.Run(tt.subscribe, func(t *testing.T) {
			ch, err := r.Subscription().CustomerActivity(ctx, tt.subscribe)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range []bus.Event{
				liveEvent("s", "cus_s", "helpdesk", "chat", "message"),
				liveEvent("m1", "cus_m1", "helpdesk", "chat", "message"),
				liveEvent("m2", "cus_m2", "helpdesk", "chat", "message"),
				liveEvent("o", "cus_other", "helpdesk", "chat", "message"),
				liveEvent("u", "", "helpdesk", "chat", "message"),
			} {
				_ = b.Publish(ctx, e)
			}
			if got, _ := drained(ch); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	_, err := r.Subscription().CustomerActivity(ctx, "cus_nobody")
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != apperr.CodeNotFound {
		t.Errorf("unknown customer: %v, want NOT_FOUND", err)
	}
}

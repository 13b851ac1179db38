package jsonmap_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

func TestEventMapping(t *testing.T) {
	m, err := jsonmap.EventMapping{Records: "$.events", ID: "$.id", Type: "$.type", CustomerKey: "$.user_id",
		Email: "$.email", Phone: "$.phone",
		Interaction: &jsonmap.InteractionMapping{ID: "$.message.id", OccurredAt: "$.at", Channel: "$.message.channel", Type: "message"},
	}.Compile("events")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonmap.DecodeBytes([]byte(`{"events":[
		{"id":"e1","type":"message.created","user_id":40,"at":"2026-05-01T12:00:00Z","message":{"id":"m1","channel":"chat"}},
		{"id":7,"type":"ticket.solved","phone":"06 12 34 56 78","email":null}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Map(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d events", len(got))
	}
	e1, e2 := got[0], got[1]
	if e1.ID != "e1" || e1.CustomerKey != "40" || e1.Interaction == nil || e1.Interaction.CustomerKey != "40" ||
		e1.Interaction.Channel != "chat" || e1.Interaction.Type != connectors.TypeMessage ||
		!e1.Interaction.OccurredAt.Equal(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("first event %+v / %+v", e1, e1.Interaction)
	}
	if e2.ID != "7" || e2.Interaction != nil || e2.Identifier != (connectors.Identifier{Kind: "phone", Value: "06 12 34 56 78"}) {
		t.Errorf("second event %+v", e2)
	}
	if _, err := (jsonmap.EventMapping{Type: "$.type"}).Compile("events"); err == nil {
		t.Error("a mapping without id compiled")
	}
	bad, _ := jsonmap.DecodeBytes([]byte(`{"events":[{"type":"x"}]}`))
	if _, err := m.Map(bad); err == nil {
		t.Error("an event without id mapped")
	}
}

// TestHugeExponents: numbers whose exact value would cost seconds to
// compute are refused (or kept as written) at once.
func TestHugeExponents(t *testing.T) {
	start := time.Now()
	for _, s := range []string{"1e-999999", "0.5e999999", "1e99999999999999999999"} {
		doc, err := jsonmap.DecodeBytes([]byte(s))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		if _, ok := doc.(json.Number); !ok {
			t.Errorf("%s decoded as %T, want json.Number as written", s, doc)
		}
		if _, err := jsonmap.Text(doc); err == nil {
			t.Errorf("%s: Text gave no error", s)
		}
	}
	if s, err := jsonmap.Text(json.Number("1.5e3")); err != nil || s != "1500" {
		t.Errorf("Text(1.5e3) = %q, %v", s, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
}

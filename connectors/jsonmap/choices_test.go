package jsonmap_test

import (
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// TestChoicesAreChecked: a mapping's literal channel, type and direction,
// and a value map's targets, must be among Harmony's values; a JSONPath's
// values are translated at read time.
func TestChoicesAreChecked(t *testing.T) {
	base := jsonmap.InteractionMapping{ID: "$.id", OccurredAt: "$.at"}
	tests := []struct {
		name    string
		edit    func(*jsonmap.InteractionMapping)
		wantErr string
	}{
		{"literals in the sets", func(m *jsonmap.InteractionMapping) { m.Channel, m.Type, m.Direction = "sms", "other", "inbound" }, ""},
		{"paths pass", func(m *jsonmap.InteractionMapping) { m.Channel, m.Type = "$.ch", "$.kind" }, ""},
		{"channel literal", func(m *jsonmap.InteractionMapping) { m.Channel = "text" }, "interactions.channel: must be one of chat, whatsapp, email, phone, sms, web, app, store, social, other, or a JSONPath ($...)"},
		{"escaped literal is a literal", func(m *jsonmap.InteractionMapping) { m.Type = "$$message" }, "interactions.type: must be one of"},
		{"direction literal", func(m *jsonmap.InteractionMapping) { m.Direction = "in" }, "interactions.direction: must be one of inbound, outbound"},
		{"value map target", func(m *jsonmap.InteractionMapping) { m.TypeValues = jsonmap.ValueMap{"sms": "sms_message"} }, "interactions.type_values.sms: must be one of message,"},
		{"value map of channels", func(m *jsonmap.InteractionMapping) { m.ChannelValues = jsonmap.ValueMap{"*": "fax"} }, "interactions.channel_values.*: must be one of chat,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := base
			tt.edit(&m)
			_, err := m.Compile("interactions")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
		})
	}
	o := jsonmap.OrderMapping{ID: "$.id", PlacedAt: "$.at", Channel: "phone"}
	if _, err := o.Compile("orders"); err == nil || !strings.Contains(err.Error(), "orders.channel: must be one of online, store") {
		t.Fatalf("order channel: %v", err)
	}
}

package resolvers

import (
	"testing"

	"github.com/harmonyhq/harmony/internal/automation"
	"github.com/harmonyhq/harmony/internal/store"
)

// Harmony's record of a message gives way to the system's report of it;
// a callback task, which no call center lists, stays on the timeline.
func TestSendRecord(t *testing.T) {
	with := &store.Interaction{ID: "msg_1"}
	tests := []struct {
		name string
		a    store.Activity
		want bool
	}{
		{"sendMessage", store.Activity{Type: sentEventType, Interaction: with}, true},
		{"a journey's message", store.Activity{Type: automation.EventSent, Interaction: with}, true},
		{"a journey's callback task", store.Activity{Type: automation.EventCallback, Interaction: with}, false},
		{"a message without its system's ID", store.Activity{Type: automation.EventSent, Interaction: &store.Interaction{}}, false},
		{"a recorded interaction", store.Activity{Type: "interaction.recorded", Interaction: with}, false},
	}
	for _, tt := range tests {
		if got := sendRecord(tt.a); got != tt.want {
			t.Errorf("%s: sendRecord = %v, want %v", tt.name, got, tt.want)
		}
	}
}

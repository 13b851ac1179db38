package timeline

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// A journey's send is stored by Harmony (naming the system and the
// message ID the system gave) and reported again by the system: the
// timeline shows it once, at any page size, and keeps every other entry.
func TestSendAndItsEchoAreOneEntry(t *testing.T) {
	message := func(id string, m int) Item {
		return Item{ID: id, At: t0.Add(time.Duration(m) * time.Minute), Interaction: &connectors.Interaction{ID: id}}
	}
	helpdesk := &upstream{name: "helpdesk"}
	for i := 9; i >= 0; i-- {
		helpdesk.items = append(helpdesk.items, message(fmt.Sprintf("msg-%d", i), 10*i))
	}
	harmony := &upstream{name: "harmony"}
	// Harmony's records of sends through the helpdesk, a second before
	// the system's own report (Harmony stores the time it asked); a
	// recorded visit of its own; and a text through an SMS provider that
	// is not on the timeline, which stays.
	for _, r := range []struct {
		id, origin, originID string
		m                    int
	}{{"act_send7", "helpdesk", "msg-7", 70}, {"act_visit", "", "", 55}, {"act_send2", "helpdesk", "msg-2", 20}, {"act_sms", "sms", "SM1", 5}} {
		it := message(r.id, r.m)
		it.At = it.At.Add(-time.Second)
		it.Origin, it.OriginID = r.origin, r.originID
		harmony.items = append(harmony.items, it)
	}
	want := []string{"msg-9", "msg-8", "msg-7", "msg-6", "act_visit", "msg-5", "msg-4", "msg-3", "msg-2", "msg-1", "act_sms", "msg-0"}
	for _, n := range []int{1, 2, 3, 5, 20} {
		t.Run(fmt.Sprintf("first=%d", n), func(t *testing.T) {
			got, _ := walk(t, n, helpdesk, harmony)
			if !slices.Equal(got, want) {
				t.Errorf("entries %v\nwant    %v", got, want)
			}
		})
	}
}

// While the system that sent fails, Harmony's record stands in for its
// report, beside the system's gap.
func TestSendShownWhileItsSystemFails(t *testing.T) {
	it := Item{ID: "act_send", At: t0, Interaction: &connectors.Interaction{ID: "act_send"}, Origin: "helpdesk", OriginID: "msg-1"}
	page := Merge(Cursor{}, []Stream{
		{Name: "helpdesk", Source: "helpdesk", Capability: connectors.CapInteractions, Asked: 3, Err: errors.New("down")},
		{Name: "harmony", Source: "harmony", Capability: "activity", Asked: 3, Items: []Item{it}, Live: true},
	}, 2)
	if len(page.Entries) != 1 || page.Entries[0].ID != "act_send" || len(page.Gaps) != 1 {
		t.Errorf("page %+v, want Harmony's record and the helpdesk's gap", page)
	}
}

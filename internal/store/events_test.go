package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func activity(eventID, customer string, at time.Time) store.Activity {
	return store.Activity{ID: store.ActivityID("helpdesk", eventID), Connector: "helpdesk", EventID: eventID,
		Type: "message.created", CustomerID: customer, ReceivedAt: at, OccurredAt: at,
		Interaction: &store.Interaction{ID: "m-" + eventID, Channel: "chat", OccurredAt: at,
			Attributes: []store.Attribute{{Name: "conversation.id", Value: "cv_1"}}}}
}

func TestActivityID(t *testing.T) {
	if store.ActivityID("crm", "1") == store.ActivityID("helpdesk", "1") {
		t.Error("one event ID of two connectors gives one document ID")
	}
	if id := store.ActivityID("helpdesk", "e1"); id != store.ActivityID("helpdesk", "e1") || len(id) != 4+64 {
		t.Errorf("ActivityID = %q", id)
	}
}

func TestEventsStoredOnce(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

	stored, err := s.AddActivities(ctx, []store.Activity{activity("e1", "cus_a", t0), activity("e2", "", t0.Add(time.Minute))})
	if err != nil || !slices.Equal(stored, []bool{true, true}) {
		t.Fatalf("AddActivities = %v, %v", stored, err)
	}
	// A retried delivery, with a repeat inside it: only e3 is new.
	stored, err = s.AddActivities(ctx, []store.Activity{activity("e2", "", t0), activity("e3", "cus_a", t0.Add(2*time.Minute)),
		activity("e1", "cus_a", t0), activity("e3", "cus_a", t0)})
	if err != nil || !slices.Equal(stored, []bool{false, true, false, false}) {
		t.Fatalf("AddActivities again = %v, %v; want only e3 new", stored, err)
	}
	if n, err := s.CountActivities(ctx, "helpdesk"); err != nil || n != 3 {
		t.Fatalf("CountActivities = %d, %v; want 3", n, err)
	}
	ids, err := s.ActivityEventIDs(ctx, "helpdesk")
	slices.Sort(ids)
	if err != nil || !slices.Equal(ids, []string{"e1", "e2", "e3"}) {
		t.Fatalf("ActivityEventIDs = %v, %v", ids, err)
	}

	got, err := s.ActivitiesOf(ctx, []string{"cus_a", "cus_none", ""}, time.Time{}, time.Time{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got[0]) != 2 || got[0][0].EventID != "e3" || got[0][1].EventID != "e1" {
		t.Errorf("cus_a's events = %+v, want e3 then e1", got[0])
	}
	if len(got[1]) != 0 || len(got[2]) != 1 || got[2][0].EventID != "e2" {
		t.Errorf("others = %+v / %+v; want none, and the unresolved e2", got[1], got[2])
	}
	a := got[0][1]
	if a.Interaction == nil || a.Interaction.Channel != "chat" || !a.OccurredAt.Equal(t0) ||
		len(a.Interaction.Attributes) != 1 || a.Interaction.Attributes[0].Name != "conversation.id" {
		t.Errorf("read back %+v", a)
	}
	windowed, err := s.ActivitiesOf(ctx, []string{"cus_a"}, t0.Add(time.Minute), time.Time{}, 1)
	if err != nil || len(windowed[0]) != 1 || windowed[0][0].EventID != "e3" {
		t.Errorf("windowed = %+v, %v", windowed, err)
	}
}

// TestEventsConcurrentDuplicates: deliveries racing with the same events
// store each event once, and exactly one of them reports it new.
func TestEventsConcurrentDuplicates(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	const workers, events = 4, 40
	var mu sync.Mutex
	newCount := map[string]int{}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var batch []store.Activity
			for i := range events {
				batch = append(batch, activity(fmt.Sprintf("c%d", (i+w*7)%events), "cus_a", t0))
			}
			stored, err := s.AddActivities(ctx, batch)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for i, ok := range stored {
				if ok {
					newCount[batch[i].EventID]++
				}
			}
		})
	}
	wg.Wait()
	if len(newCount) != events {
		t.Errorf("%d events reported new, want %d", len(newCount), events)
	}
	for id, n := range newCount {
		if n != 1 {
			t.Errorf("%s reported new %d times", id, n)
		}
	}
	if n, err := s.CountActivities(ctx, ""); err != nil || n != events {
		t.Errorf("CountActivities = %d, %v; want %d", n, err, events)
	}
}

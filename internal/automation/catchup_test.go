package automation_test

import (
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/automation"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

// An abandoned cart recorded while no engine ran (stored, never heard on
// a bus) triggers its run when an engine starts, once, however often
// engines catch up; what was stored before the first engine ever ran, and
// before the mark, triggers nothing.
func TestCatchUpHearsEventsStoredWhileNoEngineRan(t *testing.T) {
	ctx := t.Context()
	st := storetest.Open(t)
	clk := &clock{t: time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)}
	seed(t, st, clk.Now())
	grant(t, st, "marketing", "whatsapp", true, clk.Now())
	engine := func() *automation.Engine {
		return automation.New(automation.Options{Store: st, Journeys: []config.JourneyRule{cartJourney()}, Now: clk.Now})
	}
	stored := func(id string, at time.Time) {
		t.Helper()
		a := store.Activity{ID: store.ActivityID("harmony", id), Connector: "harmony", EventID: id, Type: "interaction.recorded",
			CustomerID: customer, ReceivedAt: at, OccurredAt: at, Interaction: &store.Interaction{ID: id, Channel: "app", Type: "visit",
				Attributes: []store.Attribute{{Name: "event", Value: "cart_abandoned"}}}}
		if _, err := st.AddActivities(ctx, []store.Activity{a}); err != nil {
			t.Fatal(err)
		}
	}
	triggered := func() int64 {
		t.Helper()
		return counts(t, engine(), "cart-abandoned").Triggered
	}

	// History from before journeys existed.
	stored("old", clk.Now().Add(-time.Hour))
	if n, err := engine().CatchUp(ctx); err != nil || n != 0 {
		t.Fatalf("first start: heard %d, %v; want none (it only sets the mark)", n, err)
	}
	// The gateway stops; the app records an abandoned cart meanwhile.
	clk.Add(10 * time.Minute)
	stored("while-down", clk.Now())
	clk.Add(10 * time.Minute)
	for i := range 3 { // a start, a restart, a replica
		if _, err := engine().CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		if got := triggered(); got != 1 {
			t.Fatalf("after catch-up %d: triggered %d, want 1", i+1, got)
		}
	}
	runs, err := st.JourneyRunsOf(ctx, customer, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Trigger != store.ActivityID("harmony", "while-down") || runs[0].State != store.RunPending {
		t.Fatalf("runs = %+v, want the cart stored while down, pending", runs)
	}
	// The mark moved: a later start hears nothing older.
	if mark, err := st.JourneyMark(ctx); err != nil || !mark.Equal(clk.Now().Add(-automation.MarkLag)) {
		t.Fatalf("mark = %v, %v", mark, err)
	}
}

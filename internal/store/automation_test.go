package store_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func TestJourneyRunsClaimOnce(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	id := store.JourneyRunID("j", "cus_1", "act_1")
	r := store.JourneyRun{ID: id, Journey: "j", CustomerID: "cus_1", Trigger: "act_1", State: store.RunPending,
		TriggeredAt: t0, DueAt: t0.Add(time.Hour)}
	for i, want := range []bool{true, false} {
		got, err := s.AddJourneyRun(ctx, r)
		if err != nil || got != want {
			t.Fatalf("add #%d = %v, %v; want %v", i, got, err, want)
		}
	}
	if c, err := s.ClaimJourneyRun(ctx, id, "a", t0, time.Minute); err != nil || c != nil {
		t.Fatalf("claimed before due: %+v, %v", c, err)
	}
	due := t0.Add(time.Hour)
	if ids, err := s.DueJourneyRuns(ctx, due, 10); err != nil || len(ids) != 1 || ids[0] != id {
		t.Fatalf("due = %v, %v", ids, err)
	}
	var wins atomic.Int32
	var wg sync.WaitGroup
	for _, owner := range []string{"a", "b", "c", "d"} {
		wg.Go(func() {
			c, err := s.ClaimJourneyRun(ctx, id, owner, due, time.Minute)
			if err != nil {
				t.Error(err)
			}
			if c != nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d engines claimed the run, want 1", wins.Load())
	}
	// The lease expires: another engine takes the run over; the first can
	// no longer finish it.
	late := due.Add(2 * time.Minute)
	c, err := s.ClaimJourneyRun(ctx, id, "z", late, time.Minute)
	if err != nil || c == nil || c.Attempts != 2 {
		t.Fatalf("claim after expiry = %+v, %v", c, err)
	}
	r.State = store.RunSent
	for _, tc := range []struct {
		owner string
		want  bool
	}{{"a", false}, {"z", true}, {"z", false}} {
		ok, err := s.FinishJourneyRun(ctx, r, tc.owner, late)
		if err != nil || ok != tc.want {
			t.Fatalf("finish by %s = %v, %v; want %v", tc.owner, ok, err, tc.want)
		}
	}
	for i, want := range []bool{true, false} {
		ok, err := s.ConvertJourneyRun(ctx, id, late)
		if err != nil || ok != want {
			t.Fatalf("convert #%d = %v, %v; want %v", i, ok, err, want)
		}
	}
	runs, err := s.JourneyRunsOf(ctx, "cus_1", 10)
	if err != nil || len(runs) != 1 || runs[0].State != store.RunSent || runs[0].ConvertedAt == nil {
		t.Fatalf("runs = %+v, %v", runs, err)
	}
}

func TestJourneyCapAndCounts(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	var granted atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			ok, err := s.ReserveJourneySend(ctx, "cus_1", "sms", t0, 2, 24*time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				granted.Add(1)
			}
		})
	}
	wg.Wait()
	if granted.Load() != 2 {
		t.Fatalf("%d sends reserved under a cap of 2", granted.Load())
	}
	if ok, err := s.ReserveJourneySend(ctx, "cus_1", "sms", t0.Add(25*time.Hour), 2, 24*time.Hour); err != nil || !ok {
		t.Fatalf("after the window = %v, %v", ok, err)
	}
	if ok, err := s.ReserveJourneySend(ctx, "cus_1", "email", t0, 2, 24*time.Hour); err != nil || !ok {
		t.Fatalf("another channel = %v, %v", ok, err)
	}
	if err := s.AddJourneyCounts(ctx, "j", map[string]int64{"triggered": 2, "skipped_consent": 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddJourneyCounts(ctx, "j", map[string]int64{"triggered": 1}); err != nil {
		t.Fatal(err)
	}
	got, err := s.JourneyCounts(ctx, "j")
	if err != nil || got["triggered"] != 3 || got["skipped_consent"] != 1 {
		t.Fatalf("counts = %v, %v", got, err)
	}
}

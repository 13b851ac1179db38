package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func TestActivityPage(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	var as []store.Activity
	// cus_a has 10 chat events, cus_b 2 (one a call), cus_c one event with
	// no interaction.
	for i := range 10 {
		as = append(as, activity(fmt.Sprintf("a%d", i), "cus_a", t0.Add(time.Duration(i)*time.Minute)))
	}
	b1, b2 := activity("b1", "cus_b", t0), activity("b2", "cus_b", t0.Add(time.Hour))
	b2.Interaction.Channel, b2.Interaction.Type = "phone", "call"
	c := activity("c1", "cus_c", t0)
	c.Interaction = nil
	as = append(as, b1, b2, c)
	if _, err := s.AddActivities(ctx, as); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		q    store.ActivityQuery
		want map[string]int // events per customer
	}{
		// The cap (3 × 3) is used up by cus_a: cus_b is asked again.
		{"limit per customer past the cap", store.ActivityQuery{Limit: 3}, map[string]int{"cus_a": 3, "cus_b": 2, "cus_c": 0}},
		{"window", store.ActivityQuery{Limit: 50, Since: t0.Add(2 * time.Minute), Until: t0.Add(4 * time.Minute)}, map[string]int{"cus_a": 3, "cus_b": 0}},
		{"channels", store.ActivityQuery{Limit: 50, Channels: []string{"phone"}}, map[string]int{"cus_a": 0, "cus_b": 1}},
		{"types", store.ActivityQuery{Limit: 50, Types: []string{"call"}}, map[string]int{"cus_a": 0, "cus_b": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := []string{"cus_a", "cus_b", "cus_c"}
			got, err := s.ActivityPage(ctx, ids, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			for i, id := range ids {
				if want, ok := tt.want[id]; ok && len(got[i]) != want {
					t.Errorf("%s: %d events, want %d", id, len(got[i]), want)
				}
				for j := 1; j < len(got[i]); j++ {
					if got[i][j].OccurredAt.After(got[i][j-1].OccurredAt) {
						t.Errorf("%s: not newest first", id)
					}
				}
			}
		})
	}
	if a, err := s.ActivityByID(ctx, b2.ID); err != nil || a == nil || a.CustomerID != "cus_b" {
		t.Fatalf("ActivityByID = %+v, %v", a, err)
	}
	if a, err := s.ActivityByID(ctx, "act_none"); err != nil || a != nil {
		t.Fatalf("ActivityByID(unknown) = %+v, %v", a, err)
	}
}

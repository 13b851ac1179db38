package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func TestSegments(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	t0 := time.Date(2026, 11, 1, 9, 30, 0, 123456789, time.UTC)
	n := func(i int) *int { return &i }
	since := time.Date(2026, 6, 1, 0, 0, 0, 999, time.FixedZone("CEST", 2*3600))
	vip := store.Filter{
		NamePrefix: "mar", InSystems: []string{"crm", "pos"}, OrderedSince: &since, MinOrders: n(3),
		MinSpend:   &store.Amount{Currency: "EUR", Value: 100.5},
		Identifier: &store.FilterIdentifier{Kind: store.KindPhone, Value: "+33612345678"},
	}

	steps := []struct {
		name string
		do   func(t *testing.T)
	}{
		{"save creates", func(t *testing.T) {
			seg, err := s.SaveSegment(ctx, "VIP", vip, t0)
			if err != nil {
				t.Fatal(err)
			}
			if seg.ID != store.SegmentID("VIP") || !strings.HasPrefix(seg.ID, "seg_") || seg.Name != "VIP" || !seg.UpdatedAt.Equal(t0.Truncate(time.Millisecond)) {
				t.Errorf("saved = %+v", seg)
			}
			got, err := s.Segment(ctx, seg.ID)
			if err != nil || got == nil {
				t.Fatalf("Segment = %+v, %v", got, err)
			}
			f := got.Filter
			if f.NamePrefix != "mar" || !slices.Equal(f.InSystems, []string{"crm", "pos"}) || f.OrderedSince == nil ||
				!f.OrderedSince.Equal(since.Truncate(time.Millisecond)) || *f.MinOrders != 3 || *f.MinSpend != (store.Amount{Currency: "EUR", Value: 100.5}) ||
				*f.Identifier != (store.FilterIdentifier{Kind: store.KindPhone, Value: "+33612345678"}) {
				t.Errorf("stored filter = %+v", f)
			}
		}},
		{"saving the same filter again changes nothing", func(t *testing.T) {
			seg, err := s.SaveSegment(ctx, "VIP", vip, t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if !seg.UpdatedAt.Equal(t0.Truncate(time.Millisecond)) {
				t.Errorf("UpdatedAt moved to %v on an idempotent save", seg.UpdatedAt)
			}
		}},
		{"save under the same name replaces the filter", func(t *testing.T) {
			seg, err := s.SaveSegment(ctx, "VIP", store.Filter{MinOrders: n(10)}, t0.Add(2*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Segment(ctx, seg.ID)
			if err != nil || got == nil {
				t.Fatalf("Segment = %+v, %v", got, err)
			}
			if got.Filter.NamePrefix != "" || got.Filter.Identifier != nil || got.Filter.MinOrders == nil || *got.Filter.MinOrders != 10 ||
				!got.UpdatedAt.Equal(t0.Add(2*time.Hour).Truncate(time.Millisecond)) {
				t.Errorf("replaced = %+v", got)
			}
		}},
		{"list by name", func(t *testing.T) {
			for _, name := range []string{"lapsed", "Allemagne", "zz"} {
				if _, err := s.SaveSegment(ctx, name, store.Filter{}, t0); err != nil {
					t.Fatal(err)
				}
			}
			list, err := s.Segments(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, seg := range list {
				names = append(names, seg.Name)
			}
			if want := []string{"Allemagne", "VIP", "lapsed", "zz"}; !slices.Equal(names, want) {
				t.Errorf("names = %v, want %v", names, want)
			}
		}},
		{"delete", func(t *testing.T) {
			ok, err := s.DeleteSegment(ctx, store.SegmentID("zz"))
			if err != nil || !ok {
				t.Fatalf("DeleteSegment = %v, %v; want true", ok, err)
			}
			ok, err = s.DeleteSegment(ctx, store.SegmentID("zz"))
			if err != nil || ok {
				t.Fatalf("DeleteSegment again = %v, %v; want false", ok, err)
			}
			got, err := s.Segment(ctx, store.SegmentID("zz"))
			if err != nil || got != nil {
				t.Fatalf("deleted segment = %+v, %v", got, err)
			}
			list, err := s.Segments(ctx)
			if err != nil || len(list) != 3 {
				t.Fatalf("segments after delete = %d, %v", len(list), err)
			}
		}},
	}
	for _, st := range steps {
		if !t.Run(st.name, st.do) {
			return
		}
	}
}

func TestSegmentIDHidesName(t *testing.T) {
	id := store.SegmentID("Clients fidèles Paris")
	if strings.Contains(strings.ToLower(id), "paris") || id == store.SegmentID("clients fidèles paris") {
		t.Errorf("SegmentID = %q", id)
	}
}

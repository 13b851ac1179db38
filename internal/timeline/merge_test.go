package timeline

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

var t0 = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// upstream is a stream's full history, newest first, answering windows the
// way a connector must.
type upstream struct {
	name  string
	items []Item
	fail  bool
	asked []connectors.Window
}

func (u *upstream) read(w connectors.Window) Stream {
	u.asked = append(u.asked, w)
	s := Stream{Name: u.name, Source: u.name, Capability: connectors.CapInteractions, Asked: w.Limit}
	if u.fail {
		s.Err = errors.New("down")
		return s
	}
	for _, it := range u.items {
		if w.Until.IsZero() || !it.At.After(w.Until) {
			s.Items = append(s.Items, it)
		}
		if len(s.Items) == w.Limit {
			break
		}
	}
	return s
}

func history(name string, minutes ...int) *upstream {
	u := &upstream{name: name}
	for i, m := range minutes {
		u.items = append(u.items, Item{ID: fmt.Sprintf("%s-%02d", name, i), At: t0.Add(time.Duration(m) * time.Minute)})
	}
	sort.SliceStable(u.items, func(i, j int) bool { return newer(u.items[i], name, u.items[j], name) })
	return u
}

// walk pages through all upstreams with page size n and returns the IDs in
// order and the number of pages.
func walk(t *testing.T, n int, ups ...*upstream) ([]string, int) {
	t.Helper()
	var ids []string
	after := ""
	for pages := 1; pages < 100; pages++ {
		cur, err := Decode(after)
		if err != nil {
			t.Fatal(err)
		}
		var streams []Stream
		for _, u := range ups {
			w, ok := cur.Window(u.name, n)
			if !ok {
				continue
			}
			if w.Limit > n+1+cur.Position(u.name).Skip {
				t.Fatalf("asked %d items of %s for a page of %d", w.Limit, u.name, n)
			}
			streams = append(streams, u.read(w))
		}
		page := Merge(cur, streams, n)
		for _, e := range page.Entries {
			ids = append(ids, e.ID)
		}
		if !page.HasNext {
			return ids, pages
		}
		after = page.End.Encode()
	}
	t.Fatal("too many pages")
	return nil, 0
}

func TestMergeWalksEverythingOnceNewestFirst(t *testing.T) {
	tests := []struct {
		name string
		n    int
		ups  []*upstream
	}{
		{"one stream", 3, []*upstream{history("a", 1, 2, 3, 4, 5, 6, 7)}},
		{"interleaved", 2, []*upstream{history("a", 1, 4, 7, 10), history("b", 2, 5, 8), history("c", 3, 6, 9, 11, 12)}},
		{"ties across and within streams", 2, []*upstream{history("a", 5, 5, 5, 5, 1), history("b", 5, 5, 2)}},
		{"page bigger than all", 50, []*upstream{history("a", 1, 2), history("b", 3)}},
		{"an empty stream", 2, []*upstream{history("a", 1, 2, 3), history("b")}},
		{"page of one", 1, []*upstream{history("a", 3, 3, 1), history("b", 2, 3)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var all []Item
			names := map[string]string{}
			for _, u := range tt.ups {
				for _, it := range u.items {
					all = append(all, it)
					names[it.ID] = u.name
				}
			}
			sort.SliceStable(all, func(i, j int) bool { return newer(all[i], names[all[i].ID], all[j], names[all[j].ID]) })
			var want []string
			for _, it := range all {
				want = append(want, it.ID)
			}
			got, _ := walk(t, tt.n, tt.ups...)
			if !slices.Equal(got, want) {
				t.Fatalf("walked %v\nwant     %v", got, want)
			}
		})
	}
}

func TestMergeFailedStreamLeavesGapAndKeepsPosition(t *testing.T) {
	a, b := history("a", 1, 2, 3, 4), history("b", 5, 6)
	b.fail = true
	cur := Cursor{}
	var streams []Stream
	for _, u := range []*upstream{a, b} {
		w, _ := cur.Window(u.name, 2)
		streams = append(streams, u.read(w))
	}
	page := Merge(cur, streams, 2)
	if len(page.Gaps) != 1 || page.Gaps[0].Source != "b" {
		t.Fatalf("gaps = %+v, want one for b", page.Gaps)
	}
	if got := []string{page.Entries[0].ID, page.Entries[1].ID}; !slices.Equal(got, []string{"a-03", "a-02"}) {
		t.Fatalf("entries = %v", got)
	}
	if p := page.End.Position("b"); !p.Until.IsZero() || p.Done {
		t.Fatalf("failed stream moved: %+v", p)
	}
	if !page.HasNext {
		t.Fatal("a page with a gap must offer a next page")
	}
}

func TestMergeAsksOnlyWhatAPageNeeds(t *testing.T) {
	// Without ties, the one item at a position was shown already: a page of
	// 3 asks for that one plus n+1 = 4 items past it.
	a := history("a", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
	walk(t, 3, a)
	for i, w := range a.asked {
		want := 5
		if i == 0 {
			want = 4 // no position yet
		}
		if w.Limit != want {
			t.Fatalf("request %d asked %+v, want a limit of %d", i, w, want)
		}
	}
}

func TestDecodeRefusesForgedCursors(t *testing.T) {
	for _, s := range []string{"%%%", "e30", "eyJ2IjoyLCJzIjp7fX0", "eyJ2IjoxLCJzIjp7ImEiOnsiayI6LTF9fX0"} {
		if _, err := Decode(s); !errors.Is(err, ErrBadCursor) {
			t.Errorf("Decode(%q) = %v, want ErrBadCursor", s, err)
		}
	}
	c := Cursor{}.with("shop/orders", Position{Until: t0, Skip: 2})
	back, err := Decode(c.Encode())
	if err != nil || back.Position("shop/orders") != c.Position("shop/orders") {
		t.Fatalf("round trip = %+v, %v", back, err)
	}
}

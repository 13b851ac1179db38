package timeline

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// walkKept pages through the upstreams keeping only the items keep accepts,
// the way the resolver applies a channel or kind filter, and checks every
// read asked at most n+1 items past the position.
func walkKept(t *testing.T, n int, keep func(Item) bool, ups ...*upstream) []string {
	t.Helper()
	var ids []string
	after := Cursor{}.WithFilter("f1").Encode()
	for pages := 1; pages < 200; pages++ {
		cur, err := Decode(after)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Filter() != "f1" {
			t.Fatalf("cursor lost its filter: %q", cur.Filter())
		}
		var streams []Stream
		for _, u := range ups {
			w, ok := cur.WindowIn(u.name, n, time.Time{}, time.Time{})
			if !ok {
				continue
			}
			if w.Limit > n+1+cur.Position(u.name).Skip {
				t.Fatalf("asked %d items of %s for a page of %d", w.Limit, u.name, n)
			}
			s := u.read(w)
			s.Keep = keep
			streams = append(streams, s)
		}
		page := Merge(cur, streams, n)
		for _, e := range page.Entries {
			ids = append(ids, e.ID)
		}
		if !page.HasNext {
			return ids
		}
		after = page.End.Encode()
	}
	t.Fatal("too many pages")
	return nil
}

func TestMergeFilteredStreamsStayInOrder(t *testing.T) {
	tests := []struct {
		name string
		n    int
		keep string // IDs containing this are kept
		ups  []*upstream
	}{
		{"one stream, most dropped", 2, "a-0", []*upstream{history("a", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)}},
		{"filtered stream behind a full one", 2, "-0", []*upstream{history("a", 1, 4, 7, 10, 13, 16, 19, 22, 25, 28), history("b", 2, 5, 8, 11, 14, 17)}},
		{"nothing kept", 3, "zzz", []*upstream{history("a", 1, 2, 3, 4, 5), history("b", 6, 7)}},
		{"ties", 1, "-0", []*upstream{history("a", 5, 5, 5, 5, 1, 1), history("b", 5, 5, 2, 1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keep := func(it Item) bool { return strings.Contains(it.ID, tt.keep) }
			var all []Item
			names := map[string]string{}
			for _, u := range tt.ups {
				for _, it := range u.items {
					if keep(it) {
						all = append(all, it)
						names[it.ID] = u.name
					}
				}
			}
			sort.SliceStable(all, func(i, j int) bool { return newer(all[i], names[all[i].ID], all[j], names[all[j].ID]) })
			var want []string
			for _, it := range all {
				want = append(want, it.ID)
			}
			got := walkKept(t, tt.n, keep, tt.ups...)
			if !slices.Equal(got, want) {
				t.Fatalf("walked %v\nwant     %v", got, want)
			}
		})
	}
}

func TestCursorKeepsFilterAndWindowBounds(t *testing.T) {
	since, until := t0, t0.Add(time.Hour)
	c := Cursor{}.WithFilter("abc")
	w, ok := c.WindowIn("a", 5, since, until)
	if !ok || !w.Since.Equal(since) || !w.Until.Equal(until) || w.Limit != 6 {
		t.Fatalf("start window = %+v", w)
	}
	c = c.with("a", Position{Until: t0.Add(time.Minute), Skip: 1})
	back, err := Decode(c.Encode())
	if err != nil || back.Filter() != "abc" {
		t.Fatalf("decoded %+v, %v", back, err)
	}
	w, _ = back.WindowIn("a", 5, since, until)
	if !w.Until.Equal(t0.Add(time.Minute)) || !w.Since.Equal(since) || w.Limit != 7 {
		t.Fatalf("window after a position = %+v", w)
	}
}

func TestMergeLiveStreamShowsLateOldItemsAndNeverGoesBack(t *testing.T) {
	a := history("a", 10, 9, 8, 7, 6, 5)
	live := history("live")
	read := func(cur Cursor) []Stream {
		var ss []Stream
		for _, u := range []*upstream{a, live} {
			if w, ok := cur.Window(u.name, 2); ok {
				s := u.read(w)
				s.Live = u == live
				ss = append(ss, s)
			}
		}
		return ss
	}
	page := Merge(Cursor{}, read(Cursor{}), 2)
	// Stored meanwhile: one newer than the page (must never show), one
	// older than everything (must show once, last).
	live.items = []Item{{ID: "new", At: t0.Add(time.Hour)}, {ID: "old", At: t0}}
	var got []string
	for cur := page.End; page.HasNext; cur = page.End {
		page = Merge(cur, read(cur), 2)
		for _, e := range page.Entries {
			got = append(got, e.ID)
		}
	}
	if want := []string{"a-02", "a-03", "a-04", "a-05", "old"}; !slices.Equal(got, want) {
		t.Fatalf("walked %v, want %v", got, want)
	}
}

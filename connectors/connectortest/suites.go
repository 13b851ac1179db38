package connectortest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

func profilesSuite(h *Harness) suite {
	ps := h.Connector.(connectors.ProfileSource)
	c := func(ctx context.Context, keys []string) ([]answer, error) {
		out, err := ps.Profiles(ctx, keys)
		if err != nil {
			return nil, err
		}
		ans := make([]answer, len(out))
		for i, p := range out {
			if p != nil {
				ans[i] = answer{found: true, keys: []string{p.Key}}
			}
		}
		return ans, nil
	}
	checks := keyedChecks(connectors.CapProfiles, c, false)
	checks = append(checks, check{"records", func(t *testing.T, h *Harness) {
		out, err := ps.Profiles(context.Background(), h.Known)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range out {
			if p == nil {
				continue
			}
			for name, v := range p.Fields {
				if name == "" {
					t.Errorf("profile %d has a field without a name", i)
				}
				if v == "" {
					t.Errorf("profile %d has an empty field %q (empty values are absent)", i, name)
				}
			}
		}
	}})
	return suite{checks: checks}
}

type windowed func(ctx context.Context, keys []string, w connectors.Window) ([][]item, [][]string, error)

func ordersOf(c connectors.Connector) windowed {
	os := c.(connectors.OrderSource)
	return func(ctx context.Context, keys []string, w connectors.Window) ([][]item, [][]string, error) {
		out, err := os.Orders(ctx, keys, w)
		if err != nil {
			return nil, nil, err
		}
		items := make([][]item, len(out))
		owners := make([][]string, len(out))
		for i, list := range out {
			for _, o := range list {
				items[i] = append(items[i], item{id: o.ID, at: o.PlacedAt})
				owners[i] = append(owners[i], o.CustomerKey)
			}
		}
		return items, owners, nil
	}
}

func interactionsOf(c connectors.Connector) windowed {
	is := c.(connectors.InteractionSource)
	return func(ctx context.Context, keys []string, w connectors.Window) ([][]item, [][]string, error) {
		out, err := is.Interactions(ctx, keys, w)
		if err != nil {
			return nil, nil, err
		}
		items := make([][]item, len(out))
		owners := make([][]string, len(out))
		for i, list := range out {
			for _, it := range list {
				items[i] = append(items[i], item{id: it.ID, at: it.OccurredAt})
				owners[i] = append(owners[i], it.CustomerKey)
			}
		}
		return items, owners, nil
	}
}

// bigLimit is the window limit of the checks that want every item.
const bigLimit = 1000

func windowSuite(h *Harness, cp connectors.Capability, fn windowed) suite {
	all := connectors.Window{Limit: bigLimit}
	c := func(ctx context.Context, keys []string) ([]answer, error) {
		items, owners, err := fn(ctx, keys, all)
		if err != nil {
			return nil, err
		}
		if len(items) != len(keys) {
			return make([]answer, len(items)), nil
		}
		ans := make([]answer, len(items))
		for i := range items {
			ans[i] = answer{found: len(items[i]) > 0, keys: owners[i], items: items[i]}
		}
		return ans, nil
	}
	checks := keyedChecks(cp, c, true)
	checks = append(checks,
		check{"has_data", func(t *testing.T, h *Harness) {
			items, _, err := fn(context.Background(), h.Known, all)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, l := range items {
				n += len(l)
			}
			if n == 0 {
				t.Fatalf("the upstream has no %s for the Known keys; the window checks need some", cp)
			}
		}},
		check{"batch_equals_single", func(t *testing.T, h *Harness) {
			batch, _, err := fn(context.Background(), h.Known, all)
			if err != nil {
				t.Fatal(err)
			}
			for i, k := range h.Known {
				single, _, err := fn(context.Background(), []string{k}, all)
				if err != nil {
					t.Fatal(err)
				}
				if !sameIDs(batch[i], single[0]) {
					t.Errorf("key %d: a batch answers %v, a call for the key alone %v", i, idsOf(batch[i]), idsOf(single[0]))
				}
			}
		}},
		check{"newest_first", func(t *testing.T, h *Harness) {
			items, _, err := fn(context.Background(), h.Known, all)
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range items {
				if !newestFirst(l) {
					t.Errorf("%s of key %d are not newest first", cp, i)
				}
				for _, it := range l {
					if it.id == "" || it.at.IsZero() {
						t.Errorf("%s of key %d: an item without ID or time", cp, i)
					}
				}
			}
		}},
		check{"limit", func(t *testing.T, h *Harness) {
			full, _, err := fn(context.Background(), h.Known, all)
			if err != nil {
				t.Fatal(err)
			}
			for _, limit := range []int{1, 2} {
				got, _, err := fn(context.Background(), h.Known, connectors.Window{Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				for i := range got {
					if len(got[i]) > limit {
						t.Errorf("limit %d: key %d got %d items", limit, i, len(got[i]))
						continue
					}
					want := full[i][:min(limit, len(full[i]))]
					if !sameTimes(got[i], want) {
						t.Errorf("limit %d: key %d did not get its newest items", limit, i)
					}
				}
			}
		}},
		check{"since_until", func(t *testing.T, h *Harness) {
			full, _, err := fn(context.Background(), h.Known, all)
			if err != nil {
				t.Fatal(err)
			}
			// Pick the key with the most distinct times.
			best := -1
			for i, l := range full {
				if best < 0 || distinctTimes(l) > distinctTimes(full[best]) {
					best = i
				}
			}
			times := distinctTimeList(full[best])
			if len(times) < 3 {
				t.Skipf("no Known key has %s at 3 distinct times", cp)
			}
			// times are newest first: cut off the newest and the oldest,
			// with the bounds exactly on items (they are inclusive).
			w := connectors.Window{Since: times[len(times)-2], Until: times[1], Limit: bigLimit}
			keys := []string{h.Known[best]}
			got, _, err := fn(context.Background(), keys, w)
			if err != nil {
				t.Fatal(err)
			}
			var want []item
			for _, it := range full[best] {
				if w.Contains(it.at) {
					want = append(want, it)
				}
			}
			if !sameTimes(got[0], want) {
				t.Errorf("window [%s, %s]: got %d items at %v, want %d at %v", w.Since.Format(time.RFC3339), w.Until.Format(time.RFC3339),
					len(got[0]), timesOf(got[0]), len(want), timesOf(want))
			}
			// Only Since, only Until.
			for _, w := range []connectors.Window{
				{Since: times[1], Limit: bigLimit},
				{Until: times[len(times)-2], Limit: bigLimit},
			} {
				got, _, err := fn(context.Background(), keys, w)
				if err != nil {
					t.Fatal(err)
				}
				var want []item
				for _, it := range full[best] {
					if w.Contains(it.at) {
						want = append(want, it)
					}
				}
				if !sameTimes(got[0], want) {
					t.Errorf("window %v: got %d items, want %d", w, len(got[0]), len(want))
				}
			}
		}},
	)
	return suite{checks: checks}
}

func newestFirst(l []item) bool {
	for i := 1; i < len(l); i++ {
		if l[i].at.After(l[i-1].at) {
			return false
		}
	}
	return true
}

func sameTimes(a, b []item) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].at.Equal(b[i].at) {
			return false
		}
	}
	return true
}

func sameIDs(a, b []item) bool {
	return slices.Equal(idsOf(a), idsOf(b))
}

func idsOf(l []item) []string {
	out := make([]string, len(l))
	for i, it := range l {
		out[i] = it.id
	}
	return out
}

func timesOf(l []item) []string {
	out := make([]string, len(l))
	for i, it := range l {
		out[i] = it.at.UTC().Format(time.RFC3339Nano)
	}
	return out
}

func distinctTimeList(l []item) []time.Time {
	var out []time.Time
	for _, it := range l {
		if len(out) == 0 || !out[len(out)-1].Equal(it.at) {
			out = append(out, it.at)
		}
	}
	return out
}

func distinctTimes(l []item) int { return len(distinctTimeList(l)) }

func listSuite(h *Harness) suite {
	pl := h.Connector.(connectors.ProfileLister)
	// walk lists every page and returns the keys in order.
	walk := func(ctx context.Context, limit int) ([]string, int, error) {
		var keys []string
		cursor := ""
		seen := map[string]bool{}
		for pages := 1; ; pages++ {
			if pages > 10000 {
				return nil, 0, fmt.Errorf("more than 10000 pages: the cursor does not advance")
			}
			page, err := pl.ListProfiles(ctx, cursor, limit)
			if err != nil {
				return nil, 0, err
			}
			if len(page.Profiles) > limit {
				return nil, 0, fmt.Errorf("page of %d records for a limit of %d", len(page.Profiles), limit)
			}
			for _, p := range page.Profiles {
				keys = append(keys, p.Key)
			}
			if page.Next == "" {
				return keys, pages, nil
			}
			if seen[page.Next] || page.Next == cursor {
				return nil, 0, fmt.Errorf("cursor repeats: the listing loops")
			}
			seen[page.Next] = true
			cursor = page.Next
		}
	}
	checks := []check{
		{"pages", func(t *testing.T, h *Harness) {
			keys, pages, err := walk(context.Background(), h.ListLimit)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, k := range keys {
				if k == "" {
					t.Error("a listed profile has no key")
				}
				if seen[k] {
					t.Errorf("a key is listed twice")
				}
				seen[k] = true
			}
			for _, k := range h.Known {
				if !seen[k] {
					t.Errorf("a Known key is not listed")
				}
			}
			if seen[h.Missing] {
				t.Error("the Missing key is listed")
			}
			if len(keys) > h.ListLimit && pages < 2 {
				t.Errorf("%d records in one page of limit %d", len(keys), h.ListLimit)
			}
			// A bigger page size lists the same records.
			again, _, err := walk(context.Background(), h.ListLimit+3)
			if err != nil {
				t.Fatal(err)
			}
			a, b := slices.Clone(keys), slices.Clone(again)
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) {
				t.Errorf("limits %d and %d list different records", h.ListLimit, h.ListLimit+3)
			}
		}},
		{"broken", func(t *testing.T, h *Harness) {
			broken(t, h, func(ctx context.Context) error { _, err := pl.ListProfiles(ctx, "", h.ListLimit); return err })
		}},
		{"cancel", func(t *testing.T, h *Harness) {
			cancelled(t, h, func(ctx context.Context) error { _, err := pl.ListProfiles(ctx, "", h.ListLimit); return err })
		}},
		{"deadline", func(t *testing.T, h *Harness) {
			deadline(t, h, func(ctx context.Context) error { _, err := pl.ListProfiles(ctx, "", h.ListLimit); return err })
		}},
		{"context_not_kept", func(t *testing.T, h *Harness) {
			contextNotKept(t, h, func(ctx context.Context) error { _, err := pl.ListProfiles(ctx, "", h.ListLimit); return err })
		}},
		{"concurrent", func(t *testing.T, h *Harness) {
			var wg sync.WaitGroup
			for range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if _, _, err := walk(context.Background(), h.ListLimit); err != nil {
						t.Errorf("concurrent listing: %v", err)
					}
				}()
			}
			wg.Wait()
		}},
	}
	return suite{checks: checks}
}

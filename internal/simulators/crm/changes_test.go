package crm_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/crm"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

// walk lists every page of the contacts with the query's extra parameters.
func walk(t *testing.T, s *crm.Server, extra string) []crm.Contact {
	t.Helper()
	var all []crm.Contact
	after := ""
	for {
		q := "limit=9" + extra
		if after != "" {
			q += "&after=" + after
		}
		var page struct {
			Results []crm.Contact `json:"results"`
			Paging  *struct {
				Next struct {
					After string `json:"after"`
				} `json:"next"`
			} `json:"paging"`
		}
		simtest.DoJSON(t, listReq(t, s, q), http.StatusOK, &page)
		all = append(all, page.Results...)
		if page.Paging == nil {
			return all
		}
		after = page.Paging.Next.After
	}
}

func TestListUpdatedSince(t *testing.T) {
	s, _ := start(t, 120)
	all := walk(t, s, "")
	times := make([]time.Time, len(all))
	for i, c := range all {
		at, err := time.Parse(time.RFC3339, c.UpdatedAt)
		if err != nil {
			t.Fatal(err)
		}
		times[i] = at
	}
	sorted := slices.SortedFunc(slices.Values(times), func(a, b time.Time) int { return a.Compare(b) })
	for _, since := range []time.Time{sorted[0], sorted[len(sorted)/2], sorted[len(sorted)-1].Add(time.Second)} {
		t.Run(since.Format(time.RFC3339), func(t *testing.T) {
			var want []string
			for i, c := range all {
				if !times[i].Before(since) {
					want = append(want, c.ID)
				}
			}
			var got []string
			for _, c := range walk(t, s, "&updatedSince="+url.QueryEscape(since.Format(time.RFC3339))) {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%d contacts changed since, want %d", len(got), len(want))
			}
		})
	}
	simtest.DoJSON(t, listReq(t, s, "updatedSince=yesterday"), http.StatusBadRequest, nil)
}

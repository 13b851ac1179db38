package simhttp

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestByIDsAndPageAfter(t *testing.T) {
	items := []string{"a", "b", "c", "d", "e"}
	index := map[string]int{"a": 0, "b": 1, "c": 2, "d": 3, "e": 4}
	byIDs := []struct {
		list   string
		want   []string
		status int
	}{
		{"c,a,c,zz", []string{"c", "a"}, http.StatusOK},
		{"zz", []string{}, http.StatusOK},
		{"a,,b", []string{"a", "b"}, http.StatusOK},
		{strings.Repeat("a,", MaxBatch+1), nil, http.StatusBadRequest},
	}
	for _, tc := range byIDs {
		rec := httptest.NewRecorder()
		got, ok := ByIDs(rec, tc.list, index, items)
		if ok != (tc.status == http.StatusOK) || rec.Code != tc.status || ok && !slices.Equal(got, tc.want) {
			t.Errorf("ByIDs(%q) = %v, %v (status %d); want %v, status %d", tc.list, got, ok, rec.Code, tc.want, tc.status)
		}
	}
	pages := []struct {
		cursor string
		limit  int
		want   []string
		more   bool
		status int
	}{
		{"", 2, []string{"a", "b"}, true, http.StatusOK},
		{"b", 2, []string{"c", "d"}, true, http.StatusOK},
		{"d", 2, []string{"e"}, false, http.StatusOK},
		{"c", 2, []string{"d", "e"}, false, http.StatusOK},
		{"e", 2, []string{}, false, http.StatusOK},
		{"zz", 2, nil, false, http.StatusBadRequest},
	}
	for _, tc := range pages {
		rec := httptest.NewRecorder()
		got, more, ok := PageAfter(rec, tc.cursor, index, items, tc.limit)
		if ok != (tc.status == http.StatusOK) || rec.Code != tc.status || ok && (!slices.Equal(got, tc.want) || more != tc.more) {
			t.Errorf("PageAfter(%q, %d) = %v, %v, %v (status %d); want %v, %v", tc.cursor, tc.limit, got, more, ok, rec.Code, tc.want, tc.more)
		}
	}
	page, _, _ := PageAfter(httptest.NewRecorder(), "", index, items, 2)
	page[0] = "changed"
	if items[0] != "a" {
		t.Error("a page shares its items with the list")
	}
}

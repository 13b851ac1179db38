package identityeval

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// walk lists a system the way its paging style means, as a careful client
// would (follow the cursor or the Link header, else go on until an empty
// page), and returns the keys in listing order and the page sizes.
func walk(t *testing.T, s *System, limit int) (keys []string, pages []int) {
	t.Helper()
	_, path, _ := shapeOf(s.Name)
	next := s.URL + path + "?"
	switch s.Name {
	case SystemCRM:
		next += "limit=" + strconv.Itoa(limit)
	case SystemShop:
		next += "page=1&per_page=" + strconv.Itoa(limit)
	case SystemPOS:
		next += "offset=0&count=" + strconv.Itoa(limit)
	default:
		next += "per_page=" + strconv.Itoa(limit)
	}
	for next != "" && len(pages) < 10_000 {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, next, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body any
		dec := json.NewDecoder(resp.Body)
		dec.UseNumber()
		err = dec.Decode(&body)
		_ = resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d, %v", next, resp.StatusCode, err)
		}
		var list []any
		var keyField string
		u, _ := url.Parse(next)
		q := u.Query()
		next = ""
		switch s.Name {
		case SystemCRM:
			m := body.(map[string]any)
			list, keyField = m["results"].([]any), "id"
			if p, ok := m["paging"].(map[string]any); ok {
				q.Set("after", p["next"].(map[string]any)["after"].(string))
				u.RawQuery = q.Encode()
				next = u.String()
			}
		case SystemShop:
			list, keyField = body.(map[string]any)["customers"].([]any), "id"
			if len(list) > 0 {
				n, _ := strconv.Atoi(q.Get("page"))
				q.Set("page", strconv.Itoa(n+1))
				u.RawQuery = q.Encode()
				next = u.String()
			}
		case SystemPOS:
			list, keyField = body.(map[string]any)["data"].([]any), "customer_no"
			if len(list) > 0 {
				n, _ := strconv.Atoi(q.Get("offset"))
				q.Set("offset", strconv.Itoa(n+len(list)))
				u.RawQuery = q.Encode()
				next = u.String()
			}
		default:
			list, keyField = body.([]any), "user_id"
			next = linkNextTarget(resp.Header.Get("Link"))
		}
		pages = append(pages, len(list))
		for _, rec := range list {
			keys = append(keys, jsonText(rec.(map[string]any)[keyField]))
		}
	}
	return keys, pages
}

// linkNextTarget reads the one rel="next" link the helpdesk writes.
func linkNextTarget(h string) string {
	start, end := strings.IndexByte(h, '<'), strings.IndexByte(h, '>')
	if start < 0 || end < start {
		return ""
	}
	return h[start+1 : end]
}

func jsonText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	}
	return ""
}

func TestSystemsServeEveryRecordOnce(t *testing.T) {
	pop := Generate(42, 1000)
	systems := NewSystems(pop, false)
	defer func() {
		for _, s := range systems {
			s.Close()
		}
	}()
	caps := map[string]int{SystemCRM: crmMaxPage, SystemShop: shopMaxPage, SystemPOS: posMaxPage, SystemHelpdesk: helpdeskMaxPage}
	for _, s := range systems {
		for _, limit := range []int{10, 100, 500} {
			t.Run(s.Name+"/"+strconv.Itoa(limit), func(t *testing.T) {
				s.SetView(nil, 3)
				keys, pages := walk(t, s, limit)
				seen := map[string]bool{}
				for _, k := range keys {
					if seen[k] {
						t.Fatalf("key %s answered twice", k)
					}
					seen[k] = true
				}
				if len(keys) != s.Len() {
					t.Fatalf("%d records listed, want %d", len(keys), s.Len())
				}
				if n, _ := s.Answered(); n != s.Len() {
					t.Fatalf("the system counts %d records answered, want %d", n, s.Len())
				}
				short := false
				for i, n := range pages {
					if n > min(limit, caps[s.Name]) {
						t.Fatalf("page %d has %d records, over the cap %d and the limit %d", i, n, caps[s.Name], limit)
					}
					if n < min(limit, caps[s.Name]) && i < len(pages)-2 {
						short = true
					}
				}
				if s.Name == SystemPOS && limit == 100 && !short {
					t.Error("the point of sale answered no short page in the middle of its listing")
				}
			})
		}
	}
}

func TestSetViewShowsAndShuffles(t *testing.T) {
	pop := Generate(42, 300)
	systems := NewSystems(pop, false)
	defer func() {
		for _, s := range systems {
			s.Close()
		}
	}()
	crm := systems[0]
	even := func(id int) bool { return id%2 == 0 }
	crm.SetView(even, 0)
	first, _ := walk(t, crm, 50)
	want := 0
	for _, r := range pop.Records {
		if r.System == SystemCRM && even(r.ID) {
			want++
		}
	}
	if len(first) != want {
		t.Fatalf("%d records listed, want the %d visible", len(first), want)
	}
	crm.SetView(even, 9)
	shuffled, _ := walk(t, crm, 50)
	crm.SetView(even, 9)
	again, _ := walk(t, crm, 50)
	if slices.Equal(first, shuffled) {
		t.Error("seed 9 listed in generation order")
	}
	if !slices.Equal(shuffled, again) {
		t.Error("one seed gave two orders")
	}
}

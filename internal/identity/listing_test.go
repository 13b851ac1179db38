package identity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	_ "github.com/harmonyhq/harmony/connectors/rest"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// pager is a Go lister serving fixed pages: pages[cursor] is the page at
// that cursor ("" first), with its next cursor and reported total.
type pager struct {
	pages map[string]connectors.ProfilePage
	size  int // its ListPageSize, 0 for none

	mu    sync.Mutex
	asked []int
}

func (p *pager) Close() error { return nil }

func (p *pager) ListProfiles(_ context.Context, cursor string, limit int) (connectors.ProfilePage, error) {
	p.mu.Lock()
	p.asked = append(p.asked, limit)
	p.mu.Unlock()
	page, ok := p.pages[cursor]
	if !ok {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "no page at this cursor")
	}
	return page, nil
}

// sizedPager is a pager that says its page size.
type sizedPager struct{ *pager }

func (p sizedPager) ListPageSize() int { return p.size }

func page(next string, total int, keys ...string) connectors.ProfilePage {
	pg := connectors.ProfilePage{Next: next, Total: total}
	for _, k := range keys {
		pg.Profiles = append(pg.Profiles, prof(k, "email", k+"@example.org"))
	}
	return pg
}

// A listing that fails or ends without every record fails its source, and
// the sync then links nothing at all, not even the complete sources'
// records: it does not decide on partial evidence.
func TestSyncLinksNothingWhenAListingFails(t *testing.T) {
	tests := []struct {
		name  string
		pages map[string]connectors.ProfilePage
		fail  bool // the lister fails outright
		code  connectors.Code
	}{
		{name: "unavailable", fail: true, code: connectors.CodeUnavailable},
		{name: "stops early under its total", code: CodeIncomplete, pages: map[string]connectors.ProfilePage{
			"": page("2", 5, "a", "b"), "2": page("", 5, "c")}},
		{name: "drops a page", code: CodeIncomplete, pages: map[string]connectors.ProfilePage{
			"": page("2", 5, "a", "b"), "2": page("6", 5, "e"), "6": page("", 5)}}, // c and d never come
		{name: "pages shift: a record comes back", code: CodeIncomplete, pages: map[string]connectors.ProfilePage{
			"": page("2", 0, "a", "b"), "2": page("4", 0, "b", "c"), "4": page("", 0, "d")}},
		{name: "cursor repeats", code: CodeIncomplete, pages: map[string]connectors.ProfilePage{
			"": page("2", 0, "a"), "2": page("4", 0, "b"), "4": page("2", 0, "c")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			crm := &lister{profiles: []connectors.Profile{prof("1001", "given_name", "Ada", "email", "ada@example.org")}}
			var bad connectors.Connector = &pager{pages: tt.pages}
			if tt.fail {
				bad = &lister{fail: true}
			}
			set, err := sources.NewSet(sources.New("crm", "go", crm, sources.Options{}, nil, nil),
				sources.New("shop", "go", bad, sources.Options{Retries: 0}, nil, nil))
			if err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			l := &Linker{Store: st, Sources: set, Now: func() time.Time { return syncTime },
				Log: slog.New(slog.NewTextHandler(testlog.Tee(&logs), nil))}

			rep, err := l.Sync(ctx)
			if err != nil {
				t.Fatalf("Sync: %v; a failed listing is reported, not returned", err)
			}
			if want := []FailedSource{{Name: "shop", Code: tt.code}}; !slices.Equal(rep.Failed, want) {
				t.Fatalf("failed sources = %+v, want %+v", rep.Failed, want)
			}
			if !slices.Equal(rep.FailedNames(), []string{"shop"}) || rep.Customers != 0 || rep.Identities != 0 {
				t.Fatalf("report = %+v, want shop failed and nothing linked", rep)
			}
			if got := owner(t, st, nativeID("crm", "1001")); got != "" {
				t.Errorf("crm 1001 was linked to %s while the shop's listing failed", got)
			}
			if n, err := st.CountCustomers(ctx); err != nil || n != 0 {
				t.Errorf("%d customers (%v), want none", n, err)
			}
			if out := logs.String(); !strings.Contains(out, "nothing is linked") || !strings.Contains(out, "connector=shop") ||
				!strings.Contains(out, "code="+string(tt.code)) {
				t.Errorf("no warning naming the connector and code:\n%s", out)
			}
		})
	}
}

// The sync asks each source for its own page size; Linker.PageSize
// overrides them all.
func TestListAsksEachSourcesPageSize(t *testing.T) {
	pages := map[string]connectors.ProfilePage{"": page("", 0, "a")}
	tests := []struct {
		name     string
		conn     func(p *pager) connectors.Connector
		override int
		want     int
	}{
		{"its own", func(p *pager) connectors.Connector { p.size = 7; return sizedPager{p} }, 0, 7},
		{"a go connector without one", func(p *pager) connectors.Connector { return p }, 0, connectors.DefaultListPageSize},
		{"the override", func(p *pager) connectors.Connector { p.size = 7; return sizedPager{p} }, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &pager{pages: pages}
			src := sources.New("crm", "go", tt.conn(p), sources.Options{}, nil, nil)
			l := &Linker{PageSize: tt.override}
			if _, _, err := l.list(context.Background(), src, DefaultPolicy(), time.Time{}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.asked, []int{tt.want}) {
				t.Errorf("asked %v, want [%d]", p.asked, tt.want)
			}
		})
	}
}

// cappedCRM is a REST API of n contacts paged by offset, at most 50 a page
// whatever is asked, reporting its total. skipAt, when positive, makes the
// page at that offset serve the records 50 further on (a page is dropped);
// served, when positive, is how many it serves before answering empty
// pages (it stops early).
func cappedCRM(t *testing.T, n, skipAt, served int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		offset, _ := strconv.Atoi(q.Get("offset"))
		limit, _ := strconv.Atoi(q.Get("limit"))
		if limit != 100 {
			w.WriteHeader(http.StatusBadRequest) // page_size is what is asked
			return
		}
		if skipAt > 0 && offset == skipAt {
			offset += 50
		}
		last := n
		if served > 0 {
			last = served
		}
		var contacts []map[string]string
		for i := offset; i < min(offset+50, last); i++ {
			contacts = append(contacts, map[string]string{"id": fmt.Sprintf("c%03d", i+1), "email": fmt.Sprintf("c%03d@mail-listing.eu", i+1)})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"contacts": contacts, "total": n})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func restCRM(t *testing.T, srv *httptest.Server, pagination string) *sources.Source {
	cfg := "base_url: " + srv.URL + `
list_profiles:
  path: /contacts
  query: {offset: "{{.Offset}}", limit: "{{.Limit}}"}
  page_size: 100
  records: $.contacts
  key: $.id
  fields: {email: $.email}
  pagination: ` + pagination + "\n"
	conn := connectortest.Build(t, "rest", cfg, connectors.Env{Name: "crm", HTTPClient: srv.Client()})
	return sources.New("crm", "rest", conn, sources.Options{}, nil, nil)
}

// A REST API that serves 50 records a page while 100 are asked is synced
// whole; one that drops a page or stops early under its reported total
// fails the sync's source, never a silent short listing.
func TestSyncRESTListings(t *testing.T) {
	tests := []struct {
		name       string
		skipAt     int
		served     int
		pagination string
		records    int             // linked
		code       connectors.Code // "" for a complete listing
	}{
		{name: "capped pages", pagination: "{style: offset}", records: 230},
		{name: "capped pages, total", pagination: "{style: offset, total: $.total}", records: 230},
		{name: "stops early under its total", served: 120, pagination: "{style: offset, total: $.total}", code: CodeIncomplete},
		{name: "drops a page", skipAt: 100, pagination: "{style: offset, total: $.total}", code: CodeIncomplete},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			set, err := sources.NewSet(restCRM(t, cappedCRM(t, 230, tt.skipAt, tt.served), tt.pagination))
			if err != nil {
				t.Fatal(err)
			}
			l := &Linker{Store: st, Sources: set, Now: func() time.Time { return syncTime }}
			rep, err := l.Sync(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tt.code != "" {
				if want := []FailedSource{{Name: "crm", Code: tt.code}}; !slices.Equal(rep.Failed, want) || rep.Customers != 0 {
					t.Fatalf("report = %+v, want crm failed with %s and nothing linked", rep, tt.code)
				}
				return
			}
			if len(rep.Failed) != 0 || rep.Records != tt.records || rep.Customers != tt.records {
				t.Fatalf("report = %+v, want all %d records linked", rep, tt.records)
			}
			for _, k := range []string{"c001", "c100", "c101", "c230"} {
				if owner(t, st, nativeID("crm", k)) == "" {
					t.Errorf("crm %s is not linked", k)
				}
			}
			if owner(t, st, store.IdentityID(store.KindEmail, "", "c230@mail-listing.eu")) == "" {
				t.Error("the last record's e-mail is not linked")
			}
		})
	}
}

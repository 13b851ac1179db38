package identityeval

import (
	"encoding/base64"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
)

// System is one channel system served over HTTP on loopback: its slice of
// the population's records, each rendered once in the system's JSON shape,
// listed in the order and with the visibility the harness sets.
type System struct {
	Name string
	URL  string

	srv     *httptest.Server
	records []served // the system's records, in generation order
	// honest makes the system answer as many records as asked, without
	// its cap or short pages: a control that takes paging out of the
	// figures.
	honest bool

	mu      sync.Mutex
	listing []int        // indexes in records of the visible records, in listing order
	seen    map[int]bool // records answered since the last view
	pages   int
}

// served is one record as the system serves it.
type served struct {
	id   int    // index in Population.Records
	body []byte // the record's JSON in the system's shape
}

// pageWriter serves one page of a system's listing.
type pageWriter func(w http.ResponseWriter, r *http.Request, s *System)

// NewSystems starts the four systems over pop's records. With honest set
// they answer every page in full, as many records as asked (a control
// that takes paging out of the figures). Close them when done.
func NewSystems(pop *Population, honest bool) []*System {
	var out []*System
	for _, name := range Systems() {
		s := &System{Name: name, honest: honest}
		render, path, handle := shapeOf(name)
		for i := range pop.Records {
			if r := &pop.Records[i]; r.System == name {
				s.records = append(s.records, served{id: r.ID, body: render(r)})
			}
		}
		s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.URL.Path != path:
				http.NotFound(w, r)
				return
			case r.Method != http.MethodGet:
				http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
				return
			}
			handle(w, r, s)
		}))
		s.URL = s.srv.URL
		s.SetView(nil, 0)
		out = append(out, s)
	}
	return out
}

// Close stops the system's server.
func (s *System) Close() { s.srv.Close() }

// Len is the number of records the system holds, visible or not.
func (s *System) Len() int { return len(s.records) }

// SetView makes visible the records for which visible is true (every
// record when nil) and shuffles their listing order with seed (generation
// order when 0). The order holds until the next SetView, so one listing
// pages through a stable order. It forgets which records were answered.
func (s *System) SetView(visible func(id int) bool, seed uint64) {
	var listing []int
	for i, rec := range s.records {
		if visible == nil || visible(rec.id) {
			listing = append(listing, i)
		}
	}
	if seed != 0 {
		rng := rand.New(rand.NewPCG(seed, uint64(len(s.Name)))) //nolint:gosec // G404: a listing order that follows the seed
		rng.Shuffle(len(listing), func(i, j int) { listing[i], listing[j] = listing[j], listing[i] })
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.listing, s.seen, s.pages = listing, map[int]bool{}, 0
}

// Visible is the number of records the current view shows.
func (s *System) Visible() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.listing)
}

// Answered is the number of distinct records the system answered since
// the last SetView, and the pages it served.
func (s *System) Answered() (records, pages int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.seen), s.pages
}

// capped is the page size the system serves for asked: at most its cap,
// unless it is honest.
func (s *System) capped(asked, limit int) int {
	if s.honest {
		return asked
	}
	return min(asked, limit)
}

// slice returns the bodies of the visible records from offset (at most
// n), the total visible, and notes them answered.
func (s *System) slice(offset, n int) ([][]byte, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages++
	total := len(s.listing)
	if offset < 0 || offset >= total || n <= 0 {
		return nil, total
	}
	end := min(total, offset+n)
	out := make([][]byte, 0, end-offset)
	for _, i := range s.listing[offset:end] {
		out = append(out, s.records[i].body)
		s.seen[s.records[i].id] = true
	}
	return out, total
}

// intParam reads a non-negative integer query parameter, def when absent.
func intParam(r *http.Request, name string, def int) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// token and untoken write an offset as an opaque cursor.
func token(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func untoken(t string) (int, bool) {
	if t == "" {
		return 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err != nil || len(b) < 3 || string(b[:2]) != "o:" {
		return 0, false
	}
	n, err := strconv.Atoi(string(b[2:]))
	return n, err == nil && n >= 0
}

// writeJSONList writes the bodies as a JSON array, between prefix and
// suffix.
func writeJSONList(w http.ResponseWriter, prefix string, bodies [][]byte, suffix string) {
	w.Header().Set("Content-Type", "application/json")
	buf := make([]byte, 0, 64+len(bodies)*400)
	buf = append(buf, prefix...)
	buf = append(buf, '[')
	for i, b := range bodies {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, b...)
	}
	buf = append(buf, ']')
	buf = append(buf, suffix...)
	_, _ = w.Write(buf)
}

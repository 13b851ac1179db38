package analytics

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Demo credentials and space.
const (
	DefaultKey = "demo-analytics-key"
	// SpaceID is the workspace's profile space.
	SpaceID = "spa_harmony"
)

// Options configures the simulator.
type Options struct {
	Key string // bearer token; DefaultKey when empty
}

// Profile is a user's profile as the API writes it.
type Profile struct {
	UserID    string `json:"user_id"`
	Traits    Traits `json:"traits"`
	UpdatedAt string `json:"updated_at"`
}

// Traits are what identify calls told about a user.
type Traits struct {
	Email     string `json:"email,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
	Phone     string `json:"phone,omitempty"`
}

// Event is an event as the API reads and writes it.
type Event struct {
	MessageID   string      `json:"message_id"`
	UserID      string      `json:"user_id,omitempty"`
	AnonymousID string      `json:"anonymous_id,omitempty"`
	Type        string      `json:"type"`
	Event       string      `json:"event,omitempty"`
	Name        string      `json:"name,omitempty"`
	Source      string      `json:"source"`
	Timestamp   string      `json:"timestamp"`
	Properties  *Properties `json:"properties,omitempty"`
	at          time.Time
}

// Properties are an event's properties.
type Properties struct {
	SKU string `json:"sku,omitempty"`
}

// Server is a running analytics simulator.
type Server struct {
	*simhttp.Server
	profiles []Profile // id order
	byID     map[string]int

	mu     sync.Mutex
	byUser map[string][]Event  // sent as the user
	byAnon map[string][]Event  // sent anonymously
	linked map[string]string   // anonymous ID -> user ID, by identify
	anons  map[string][]string // user ID -> anonymous IDs linked
	seq    int
}

// New starts an analytics simulator on 127.0.0.1:0 serving pop's
// analytics users and events.
func New(ctx context.Context, pop *population.Population, opts Options) (*Server, error) {
	if pop == nil {
		return nil, fmt.Errorf("analytics simulator: nil population")
	}
	if opts.Key == "" {
		opts.Key = DefaultKey
	}
	s := &Server{
		Server: simhttp.New(population.Analytics, simhttp.Bearer(opts.Key)),
		byID:   map[string]int{},
		byUser: map[string][]Event{},
		byAnon: map[string][]Event{},
		linked: map[string]string{},
		anons:  map[string][]string{},
	}
	for _, p := range pop.Members(population.Analytics) {
		rec := p.Records[population.Analytics]
		s.byID[rec.Key] = len(s.profiles)
		s.profiles = append(s.profiles, Profile{UserID: rec.Key, UpdatedAt: simhttp.RFC3339(rec.UpdatedAt),
			Traits: Traits{Email: rec.Email, FirstName: rec.GivenName, LastName: rec.FamilyName, Phone: rec.Phone}})
		for i := len(p.AppEvents) - 1; i >= 0; i-- { // oldest first
			e := p.AppEvents[i]
			s.add(Event{MessageID: e.ID, UserID: e.UserID, AnonymousID: e.AnonymousID, Type: e.Type,
				Source: e.Source, Timestamp: simhttp.RFC3339(e.Timestamp), at: e.Timestamp}, e.Name, e.SKU)
		}
		for _, id := range p.Identifies {
			s.identify(id.AnonymousID, rec.Key)
		}
	}
	s.Handle("POST /v1/track", "track", s.ingest("track"))
	s.Handle("POST /v1/page", "page", s.ingest("page"))
	s.Handle("POST /v1/screen", "screen", s.ingest("screen"))
	s.Handle("POST /v1/identify", "identify", s.ingest("identify"))
	s.HandleSelect("GET /v1/spaces/{space}/collections/users/profiles", profilesRoute, s.serveProfiles)
	s.Handle("GET /v1/spaces/{space}/collections/users/events", "events", s.serveEvents)
	if err := s.Start(ctx); err != nil {
		return nil, fmt.Errorf("analytics simulator: %w", err)
	}
	return s, nil
}

// add stores e, named and with its product; s.mu is held or not needed.
func (s *Server) add(e Event, name, sku string) {
	if e.Type == "track" {
		e.Event = name
	} else {
		e.Name = name
	}
	if sku != "" {
		e.Properties = &Properties{SKU: sku}
	}
	if e.UserID != "" {
		s.byUser[e.UserID] = append(s.byUser[e.UserID], e)
	} else {
		s.byAnon[e.AnonymousID] = append(s.byAnon[e.AnonymousID], e)
	}
}

// identify links anon to user; the first link of an anonymous ID holds.
func (s *Server) identify(anon, user string) {
	if anon == "" || user == "" || s.linked[anon] != "" {
		return
	}
	s.linked[anon] = user
	s.anons[user] = append(s.anons[user], anon)
}

// Call is a tracking call as the API reads it.
type Call struct {
	UserID      string         `json:"userId"`
	AnonymousID string         `json:"anonymousId"`
	Event       string         `json:"event"`
	Name        string         `json:"name"`
	Properties  map[string]any `json:"properties"`
	Context     struct {
		Source string `json:"source"`
	} `json:"context"`
	Timestamp string `json:"timestamp"`
	MessageID string `json:"messageId"`
}

func (s *Server) ingest(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in Call
		if err := simhttp.DecodeJSON(w, r, &in); err != nil {
			simhttp.BadRequest(w, err)
			return
		}
		if in.UserID == "" && in.AnonymousID == "" {
			simhttp.BadRequest(w, fmt.Errorf("userId or anonymousId required"))
			return
		}
		at := time.Now().UTC().Truncate(time.Second)
		if in.Timestamp != "" {
			t, err := time.Parse(time.RFC3339, in.Timestamp)
			if err != nil {
				simhttp.BadRequest(w, fmt.Errorf("timestamp is not RFC 3339"))
				return
			}
			at = t.UTC()
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if typ == "identify" {
			s.identify(in.AnonymousID, in.UserID)
			simhttp.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
			return
		}
		name := in.Name
		if typ == "track" {
			name = in.Event
		}
		sku, _ := in.Properties["sku"].(string)
		s.seq++
		id := in.MessageID
		if id == "" {
			id = fmt.Sprintf("ajs-%d", s.seq)
		}
		source := in.Context.Source
		if source == "" {
			source = "web"
		}
		s.add(Event{MessageID: id, UserID: in.UserID, AnonymousID: in.AnonymousID, Type: typ, Source: source,
			Timestamp: simhttp.RFC3339(at), at: at}, name, sku)
		simhttp.WriteJSON(w, http.StatusOK, map[string]bool{"success": true})
	}
}

func profilesRoute(r *http.Request) string {
	if r.URL.Query().Has("user_ids") {
		return "profiles.get"
	}
	return "profiles.list"
}

type profilesResponse struct {
	Data   []Profile `json:"data"`
	Cursor *cursor   `json:"cursor,omitempty"`
}

type cursor struct {
	HasMore bool   `json:"has_more"`
	Next    string `json:"next,omitempty"`
}

func spaceOK(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("space") != SpaceID {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such space")
		return false
	}
	return true
}

func (s *Server) serveProfiles(w http.ResponseWriter, r *http.Request) {
	if !spaceOK(w, r) {
		return
	}
	q := r.URL.Query()
	if q.Has("user_ids") {
		profiles, ok := simhttp.ByIDs(w, q.Get("user_ids"), s.byID, s.profiles)
		if ok {
			simhttp.WriteJSON(w, http.StatusOK, profilesResponse{Data: profiles})
		}
		return
	}
	limit, err := simhttp.PageSize(r, "limit", 50, 200)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	page, more, ok := simhttp.PageAfter(w, q.Get("cursor"), s.byID, s.profiles, limit)
	if !ok {
		return
	}
	out := profilesResponse{Data: page, Cursor: &cursor{}}
	if more {
		out.Cursor.HasMore, out.Cursor.Next = true, page[len(page)-1].UserID
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

type eventsResponse struct {
	Data []Event `json:"data"`
}

func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	if !spaceOK(w, r) {
		return
	}
	ids, err := simhttp.SplitIDs(r.URL.Query().Get("user_ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	var win simhttp.Window
	if win.Since, _, err = simhttp.TimeParam(r, "start"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	if win.Until, _, err = simhttp.TimeParam(r, "end"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	limit, err := simhttp.IntParam(r, "limit_per_user", 10, 0, simhttp.MaxPerKey)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := eventsResponse{Data: []Event{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range simhttp.Dedupe(ids) {
		if _, ok := s.byID[id]; !ok {
			continue
		}
		out.Data = append(out.Data, simhttp.Newest(s.eventsOf(id), func(e Event) time.Time { return e.at }, win, limit)...)
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

// eventsOf returns the user's events, newest first (ties: the later sent
// first): those sent as the user and those of the anonymous IDs an
// identify linked to it. s.mu is held.
func (s *Server) eventsOf(user string) []Event {
	out := append([]Event(nil), s.byUser[user]...)
	for _, anon := range s.anons[user] {
		for _, e := range s.byAnon[anon] {
			e.UserID = user
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Event) int { return a.at.Compare(b.at) })
	slices.Reverse(out)
	return out
}

package social

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Demo credentials and page.
const (
	DefaultToken = "demo-social-token"
	// PageID is the brand's page.
	PageID = "104729841"
)

// Options configures the simulator.
type Options struct {
	Token string // bearer token; DefaultToken when empty
}

// Contact is a person who wrote to the brand, as the API writes them.
type Contact struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	FirstName   string    `json:"first_name"`
	LastName    string    `json:"last_name,omitempty"`
	Email       string    `json:"email,omitempty"`
	Phone       string    `json:"phone,omitempty"`
	Accounts    []Account `json:"accounts"`
	UpdatedTime string    `json:"updated_time"`
}

// Account is one social account of a contact.
type Account struct {
	Network  string `json:"network"`
	Username string `json:"username"`
}

// Item is a direct message, mention or comment, as the API writes it.
type Item struct {
	ID          string `json:"id"`
	ContactID   string `json:"contact_id"`
	Network     string `json:"network"`
	Kind        string `json:"kind"`
	From        From   `json:"from"`
	Message     string `json:"message"`
	CreatedTime string `json:"created_time"`
	ThreadID    string `json:"thread_id,omitempty"`
	at          time.Time
}

// From says who wrote an item: the customer or the brand.
type From struct {
	Role string `json:"role"`
}

// Server is a running social inbox simulator.
type Server struct {
	*simhttp.Server
	contacts []Contact // id order
	byID     map[string]int
	items    map[string][]Item // newest first
}

// New starts a social inbox simulator on 127.0.0.1:0 serving pop's social
// records and messages.
func New(ctx context.Context, pop *population.Population, opts Options) (*Server, error) {
	if pop == nil {
		return nil, fmt.Errorf("social simulator: nil population")
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	s := &Server{
		Server: simhttp.New(population.Social, simhttp.Bearer(opts.Token)),
		byID:   map[string]int{},
		items:  map[string][]Item{},
	}
	for _, p := range pop.Members(population.Social) {
		rec := p.Records[population.Social]
		c := Contact{ID: rec.Key, Name: rec.GivenName, FirstName: rec.GivenName, LastName: rec.FamilyName,
			Email: rec.Email, Phone: rec.Phone, Accounts: []Account{}, UpdatedTime: simhttp.RFC3339(rec.UpdatedAt)}
		if rec.FamilyName != "" {
			c.Name += " " + rec.FamilyName
		}
		for _, h := range rec.Handles {
			c.Accounts = append(c.Accounts, Account(h))
		}
		s.byID[c.ID] = len(s.contacts)
		s.contacts = append(s.contacts, c)
		for _, m := range p.SocialMessages {
			s.items[c.ID] = append(s.items[c.ID], Item{ID: m.ID, ContactID: c.ID, Network: m.Network, Kind: m.Kind,
				From: From{Role: m.From}, Message: m.Text, CreatedTime: simhttp.RFC3339(m.CreatedAt), ThreadID: m.ThreadID, at: m.CreatedAt})
		}
	}
	s.HandleSelect("GET /v19.0/{page}/contacts", contactsRoute, s.serveContacts)
	s.Handle("GET /v19.0/{page}/inbox", "inbox", s.serveInbox)
	if err := s.Start(ctx); err != nil {
		return nil, fmt.Errorf("social simulator: %w", err)
	}
	return s, nil
}

func contactsRoute(r *http.Request) string {
	if r.URL.Query().Has("ids") {
		return "contacts.get"
	}
	return "contacts.list"
}

type contactsResponse struct {
	Data   []Contact `json:"data"`
	Paging *paging   `json:"paging,omitempty"`
}

type paging struct {
	Cursors struct {
		After string `json:"after,omitempty"`
	} `json:"cursors"`
	Next string `json:"next,omitempty"`
}

func pageOK(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("page") != PageID {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such page")
		return false
	}
	return true
}

func (s *Server) serveContacts(w http.ResponseWriter, r *http.Request) {
	if !pageOK(w, r) {
		return
	}
	q := r.URL.Query()
	if q.Has("ids") {
		contacts, ok := simhttp.ByIDs(w, q.Get("ids"), s.byID, s.contacts)
		if ok {
			simhttp.WriteJSON(w, http.StatusOK, contactsResponse{Data: contacts})
		}
		return
	}
	limit, err := simhttp.PageSize(r, "limit", 25, 100)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	// The cursor is the id of the last contact of the previous page.
	page, more, ok := simhttp.PageAfter(w, q.Get("after"), s.byID, s.contacts, limit)
	if !ok {
		return
	}
	out := contactsResponse{Data: page, Paging: &paging{}}
	if more {
		out.Paging.Cursors.After = page[len(page)-1].ID
		next := url.Values{"limit": {fmt.Sprint(limit)}, "after": {out.Paging.Cursors.After}}
		out.Paging.Next = s.URL() + r.URL.Path + "?" + next.Encode()
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

type inboxResponse struct {
	Data []Item `json:"data"`
}

func (s *Server) serveInbox(w http.ResponseWriter, r *http.Request) {
	if !pageOK(w, r) {
		return
	}
	ids, err := simhttp.SplitIDs(r.URL.Query().Get("contact_ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	var win simhttp.Window
	if win.Since, _, err = simhttp.TimeParam(r, "since"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	if win.Until, _, err = simhttp.TimeParam(r, "until"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	limit, err := simhttp.IntParam(r, "limit_per_contact", 10, 0, simhttp.MaxPerKey)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := inboxResponse{Data: []Item{}}
	for _, id := range simhttp.Dedupe(ids) {
		out.Data = append(out.Data, simhttp.Newest(s.items[id], func(it Item) time.Time { return it.at }, win, limit)...)
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

package sms

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Demo credentials.
const (
	DefaultAccountSID = "AC0000000000000000000000000000demo"
	DefaultToken      = "demo-sms-token" //nolint:gosec // G101: a published demo credential of a local simulator
	// ServiceSID is the messaging service whose bindings are served.
	ServiceSID = "IS0000000000000000000000000000demo"
	// From is the number the company texts from.
	From = "+33757000100"
)

// Options configures the simulator.
type Options struct {
	AccountSID string // basic-auth user; DefaultAccountSID when empty
	Token      string // basic-auth password; DefaultToken when empty
}

// Binding is a number the provider texts, as the API writes it.
type Binding struct {
	SID         string `json:"sid"`
	Address     string `json:"address"`
	BindingType string `json:"binding_type"`
	DateUpdated string `json:"date_updated"`
}

// Message is a text message as the API writes it.
type Message struct {
	SID        string `json:"sid"`
	AccountSID string `json:"account_sid"`
	Contact    string `json:"contact"`
	To         string `json:"to"`
	From       string `json:"from"`
	Direction  string `json:"direction"`
	Status     string `json:"status"`
	Body       string `json:"body"`
	DateSent   string `json:"date_sent"`
	ErrorCode  *int   `json:"error_code"`
	sent       time.Time
}

// Server is a running SMS provider simulator.
type Server struct {
	*simhttp.Server
	account  string
	bindings []Binding
	byAddr   map[string]int

	mu       sync.Mutex
	messages map[string][]Message // by contact, newest first
	outbox   *simhttp.Outbox
}

// New starts an SMS provider simulator on 127.0.0.1:0 serving pop's SMS
// records and messages.
func New(ctx context.Context, pop *population.Population, opts Options) (*Server, error) {
	if pop == nil {
		return nil, fmt.Errorf("sms simulator: nil population")
	}
	if opts.AccountSID == "" {
		opts.AccountSID = DefaultAccountSID
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	s := &Server{
		Server:   simhttp.New(population.SMS, simhttp.BasicUser(opts.AccountSID, opts.Token)),
		account:  opts.AccountSID,
		byAddr:   map[string]int{},
		messages: map[string][]Message{},
		outbox:   simhttp.NewOutbox("SMq"),
	}
	for i, p := range pop.Members(population.SMS) {
		rec := p.Records[population.SMS]
		s.byAddr[rec.Key] = len(s.bindings)
		s.bindings = append(s.bindings, Binding{SID: fmt.Sprintf("BS%032x", i+1), Address: rec.Key,
			BindingType: "sms", DateUpdated: simhttp.RFC3339(rec.UpdatedAt)})
		for _, m := range p.SMSMessages {
			s.messages[rec.Key] = append(s.messages[rec.Key], s.toMessage(rec.Key, m))
		}
	}
	s.HandleSelect("GET /v1/Services/{service}/Bindings", bindingsRoute, s.serveBindings)
	s.Handle("GET /2010-04-01/Accounts/{account}/Messages.json", "messages", s.serveMessages)
	s.Handle("POST /2010-04-01/Accounts/{account}/Messages.json", "messages.send", s.send)
	if err := s.Start(ctx); err != nil {
		return nil, fmt.Errorf("sms simulator: %w", err)
	}
	return s, nil
}

func (s *Server) toMessage(contact string, m population.SMSMessage) Message {
	out := Message{SID: m.ID, AccountSID: s.account, Contact: contact, To: contact, From: From,
		Direction: m.Direction, Status: m.Status, Body: m.Body, DateSent: simhttp.RFC3339(m.SentAt), sent: m.SentAt}
	if m.Direction == "inbound" {
		out.To, out.From = From, contact
	}
	switch m.Status {
	case "undelivered":
		code := 30005 // unknown destination handset
		out.ErrorCode = &code
	case "failed":
		code := 30008 // unknown error
		out.ErrorCode = &code
	}
	return out
}

func bindingsRoute(r *http.Request) string {
	if r.URL.Query().Has("Address") {
		return "bindings.get"
	}
	return "bindings.list"
}

type bindingsResponse struct {
	Bindings []Binding `json:"bindings"`
	Meta     *pageMeta `json:"meta,omitempty"`
}

type pageMeta struct {
	Key           string  `json:"key"`
	PageSize      int     `json:"page_size"`
	NextPageToken *string `json:"next_page_token"`
}

func (s *Server) checkService(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("service") != ServiceSID {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such service")
		return false
	}
	return true
}

func (s *Server) checkAccount(w http.ResponseWriter, r *http.Request) bool {
	if r.PathValue("account") != s.account {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such account")
		return false
	}
	return true
}

func (s *Server) serveBindings(w http.ResponseWriter, r *http.Request) {
	if !s.checkService(w, r) {
		return
	}
	q := r.URL.Query()
	if q.Has("Address") {
		addrs, err := simhttp.SplitIDs(q.Get("Address"))
		if err != nil {
			simhttp.BadRequest(w, err)
			return
		}
		out := bindingsResponse{Bindings: []Binding{}}
		for _, a := range simhttp.Dedupe(addrs) {
			if i, ok := s.byAddr[a]; ok {
				out.Bindings = append(out.Bindings, s.bindings[i])
			}
		}
		simhttp.WriteJSON(w, http.StatusOK, out)
		return
	}
	size, err := simhttp.PageSize(r, "PageSize", 50, 1000)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	// The page token is the SID of the last binding of the previous page.
	start := 0
	if tok := q.Get("PageToken"); tok != "" {
		start = slices.IndexFunc(s.bindings, func(b Binding) bool { return b.SID == tok }) + 1
		if start == 0 {
			simhttp.BadRequest(w, fmt.Errorf("unknown PageToken"))
			return
		}
	}
	end := min(start+size, len(s.bindings))
	out := bindingsResponse{Bindings: append([]Binding{}, s.bindings[start:end]...), Meta: &pageMeta{Key: "bindings", PageSize: size}}
	if end < len(s.bindings) {
		tok := s.bindings[end-1].SID
		out.Meta.NextPageToken = &tok
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

type messagesResponse struct {
	Messages []Message `json:"messages"`
}

func (s *Server) serveMessages(w http.ResponseWriter, r *http.Request) {
	if !s.checkAccount(w, r) {
		return
	}
	contacts, err := simhttp.SplitIDs(r.URL.Query().Get("Contacts"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	var win simhttp.Window
	if win.Since, _, err = simhttp.TimeParam(r, "DateSentAfter"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	if win.Until, _, err = simhttp.TimeParam(r, "DateSentBefore"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	limit, err := simhttp.IntParam(r, "PageSizePerContact", 10, 0, simhttp.MaxPerKey)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := messagesResponse{Messages: []Message{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range simhttp.Dedupe(contacts) {
		out.Messages = append(out.Messages, simhttp.Newest(s.messages[c], func(m Message) time.Time { return m.sent }, win, limit)...)
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

// SendRequest is a send request as the API reads it.
type SendRequest struct {
	To             string `json:"To"`
	Body           string `json:"Body"`
	IdempotencyKey string `json:"idempotency_key"`
}

// send texts a number the provider knows: 404 for another, 400 without a
// body. A request repeating an idempotency key is answered as the first
// one was and not sent again. The text is not kept.
func (s *Server) send(w http.ResponseWriter, r *http.Request) {
	if !s.checkAccount(w, r) {
		return
	}
	var in SendRequest
	if err := simhttp.DecodeJSON(w, r, &in); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	to := strings.TrimSpace(in.To)
	if _, ok := s.byAddr[to]; !ok {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such binding")
		return
	}
	if in.Body == "" {
		simhttp.BadRequest(w, fmt.Errorf("a body is required"))
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	sent, fresh := s.outbox.Send(to, "sms", in.IdempotencyKey, now)
	if fresh {
		s.mu.Lock()
		m := Message{SID: sent.ID, AccountSID: s.account, Contact: to, To: to, From: From, Direction: "outbound-api",
			Status: "queued", Body: "", DateSent: simhttp.RFC3339(now), sent: now}
		s.messages[to] = append([]Message{m}, s.messages[to]...)
		s.mu.Unlock()
	}
	simhttp.WriteJSON(w, http.StatusCreated, map[string]string{"sid": sent.ID, "to": to, "status": "queued"})
}

// Sent returns the texts sent through the API, oldest first: recipients
// only (tests).
func (s *Server) Sent() []simhttp.Sent { return s.outbox.Sent() }

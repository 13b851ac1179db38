package rest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

// desk is a helpdesk-like API with the privacy and action endpoints: a
// contact search, batch contact reads, per-contact deletion (404 once
// gone) and export, and a batch message endpoint that answers by
// idempotency key.
type desk struct {
	srv *httptest.Server
	ctl *control

	mu       sync.Mutex
	contacts map[string]string // id → e-mail
	sent     map[string]string // message ID → recipient
	byIdem   map[string]string // idempotency key → message ID
}

func newDesk(t *testing.T) *desk {
	d := &desk{contacts: map[string]string{"c1": "ana@example.com", "c2": "bruno@example.com", "c3": "carla@example.com"},
		sent: map[string]string{}, byIdem: map[string]string{}}
	d.ctl = &control{}
	routes := d.routes()
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !d.ctl.gate(w, r) {
			return
		}
		if r.URL.Query().Get("api_key") != "k-secret-123" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		routes.ServeHTTP(w, r)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *desk) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/contacts/search", func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Emails []string `json:"emails"`
		}
		if json.NewDecoder(r.Body).Decode(&q) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		out := []any{}
		for _, id := range sortedKeys(d.contacts) {
			if slices.Contains(q.Emails, d.contacts[id]) {
				out = append(out, map[string]any{"id": id, "email": d.contacts[id]})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": out})
	})
	mux.HandleFunc("GET /v1/contacts", func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		defer d.mu.Unlock()
		out := []any{}
		for id := range strings.SplitSeq(r.URL.Query().Get("ids"), ",") {
			if email, ok := d.contacts[id]; ok {
				out = append(out, map[string]any{"id": id, "email": email})
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"results": out})
	})
	mux.HandleFunc("DELETE /v1/contacts/{id}", func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		defer d.mu.Unlock()
		if _, ok := d.contacts[r.PathValue("id")]; !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		delete(d.contacts, r.PathValue("id"))
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /v1/contacts/{id}/export", func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		defer d.mu.Unlock()
		email, ok := d.contacts[r.PathValue("id")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": r.PathValue("id"), "email": email, "tickets": []any{}})
	})
	mux.HandleFunc("POST /v1/messages", func(w http.ResponseWriter, r *http.Request) {
		var q struct {
			Messages []struct {
				To   string `json:"to"`
				Idem string `json:"idem"`
			} `json:"messages"`
		}
		if json.NewDecoder(r.Body).Decode(&q) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		out := []any{}
		for _, m := range q.Messages {
			id, seen := d.byIdem[m.Idem]
			if !seen {
				id = "m-" + strconv.Itoa(len(d.sent)+1)
				d.sent[id] = m.To
				d.byIdem[m.Idem] = id
			}
			out = append(out, map[string]any{"id": id, "idem": m.Idem})
		}
		slices.Reverse(out) // answered in another order: matched by idempotency key
		writeJSON(w, http.StatusOK, map[string]any{"results": out})
	})
	return mux
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func (d *desk) sentTo(id string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	to, ok := d.sent[id]
	return to, ok
}

const deskConfig = `
auth: {type: api_key, query: api_key, key: "k-secret-123"}
profiles:
  path: /contacts
  query: {ids: '{{join .Keys ","}}'}
  records: $.results
  key: $.id
  fields: {email: $.email}
lookup:
  method: POST
  path: /contacts/search
  kinds: [email]
  body: '{"emails": {{json .Emails}}}'
  records: $.results
  key: $.id
  fields: {email: $.email}
erase:
  method: DELETE
  per_key: true
  path: /contacts/{{.Key}}
export:
  per_key: true
  path: /contacts/{{.Key}}/export
send:
  path: /messages
  channels: [email, chat]
  body: '{"messages": [{{range $i, $m := .Messages}}{{if $i}},{{end}}{"to": {{json $m.CustomerKey}}, "idem": {{json $m.IdempotencyKey}}}{{end}}]}'
  records: $.results
  message_id: $.id
  idempotency_key: $.idem
`

// TestConformancePrivacy runs the kit's lookup, erase, export and send
// suites over the rest kind.
func TestConformancePrivacy(t *testing.T) {
	connectortest.Run(t, func(t *testing.T) *connectortest.Harness {
		d := newDesk(t)
		return &connectortest.Harness{
			Connector: connectortest.Build(t, "rest", "base_url: "+d.srv.URL+"/v1/"+deskConfig, connectors.Env{HTTPClient: d.srv.Client()}),
			Known:     []string{"c1", "c2", "c3"},
			Missing:   "c404",
			Break:     d.ctl.Break, Heal: d.ctl.Heal, Block: d.ctl.Block,
			Secrets: []string{"k-secret-123"},
			Identifiers: map[string]connectors.Identifier{
				"c1": {Kind: connectors.IdentifierEmail, Value: "ana@example.com"},
				"c3": {Kind: connectors.IdentifierEmail, Value: "carla@example.com"},
			},
			SentTo: d.sentTo,
		}
	})
}

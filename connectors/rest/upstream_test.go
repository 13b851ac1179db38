package rest_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// vendor is a fake of three vendor APIs behind one server:
//
//   - a HubSpot-like CRM: POST /crm/v3/objects/contacts/batch/read (batch
//     read, 207 with errors for unknown ids) and GET /crm/v3/objects/contacts
//     (cursor paging with paging.next.after);
//   - a Shopify-like store: GET /admin/api/2024-04/orders.json filtered by
//     customer ids and created_at bounds;
//   - a Zendesk-like helpdesk: GET /api/v2/users/{id}/tickets/requested.json
//     (one user per request, 404 for an unknown user).
type vendor struct {
	srv   *httptest.Server
	token string

	mu      sync.Mutex
	broken  bool
	blocked chan struct{}
	calls   int
}

type contact struct {
	id, first, last, email, phone, updated string
}

var contacts = []contact{
	{"101", "Ana", "Silva", "ana@example.com", "+351910000001", "2024-05-01T10:00:00.000Z"},
	{"102", "Bruno", "Costa", "bruno@example.com", "", "2024-05-02T10:00:00.000Z"},
	{"103", "Carla", "Dias", "carla@example.com", "+351910000003", "2024-05-03T10:00:00.000Z"},
	{"104", "Duarte", "Reis", "", "+351910000004", "2024-05-04T10:00:00.000Z"},
	{"105", "Eva", "Lopes", "eva@example.com", "", "2024-05-05T10:00:00.000Z"},
}

type order struct {
	id       int64
	customer string
	created  string
	total    string
	status   string
	source   string
}

var orders = []order{
	{5001, "101", "2024-04-01T09:00:00Z", "129.90", "paid", "web"},
	{5002, "101", "2024-04-05T09:00:00Z", "15.00", "refunded", "pos"},
	{5003, "101", "2024-04-10T09:00:00Z", "42.50", "paid", "web"},
	{5004, "101", "2024-04-20T09:00:00Z", "7.99", "paid", "web"},
	{5005, "102", "2024-03-01T12:00:00Z", "300.00", "fulfilled", "pos"},
	{5006, "102", "2024-03-02T12:00:00Z", "12.00", "paid", "web"},
	{5007, "103", "2024-01-15T08:30:00Z", "99.99", "paid", "web"},
}

type ticket struct {
	id        int64
	requester string
	created   string
	subject   string
	status    string
	channel   string
}

var tickets = []ticket{
	{9001, "101", "2024-02-01T10:00:00Z", "Where is my order?", "solved", "email"},
	{9002, "101", "2024-02-03T10:00:00Z", "Refund request", "open", "web"},
	{9003, "101", "2024-02-07T10:00:00Z", "Size exchange", "pending", "chat"},
	{9004, "102", "2024-02-02T11:00:00Z", "Invoice copy", "solved", "email"},
	{9005, "103", "2024-02-04T11:00:00Z", "Loyalty card", "closed", "phone"},
}

func newVendor(t testing.TB) *vendor {
	v := &vendor{token: "tok-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-s3cr3t"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /crm/v3/objects/contacts/batch/read", v.batchRead)
	mux.HandleFunc("GET /crm/v3/objects/contacts", v.listContacts)
	mux.HandleFunc("GET /admin/api/2024-04/orders.json", v.orders)
	mux.HandleFunc("GET /api/v2/users/{id}/tickets/requested.json", v.tickets)
	v.srv = httptest.NewServer(v.gate(mux))
	t.Cleanup(v.srv.Close)
	return v
}

// gate applies breakage, blocking and authentication.
func (v *vendor) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.mu.Lock()
		v.calls++
		broken, blocked := v.broken, v.blocked
		v.mu.Unlock()
		if blocked != nil {
			select {
			case <-blocked:
			case <-r.Context().Done():
				return
			}
		}
		if broken {
			w.Header().Set("Retry-After", "3")
			http.Error(w, `{"status":"error","message":"upstream maintenance"}`, http.StatusServiceUnavailable)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+v.token {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"status":"error","category":"INVALID_AUTHENTICATION"}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (v *vendor) Break() { v.mu.Lock(); v.broken = true; v.mu.Unlock() }
func (v *vendor) Heal()  { v.mu.Lock(); v.broken = false; v.mu.Unlock() }

func (v *vendor) Block() func() {
	ch := make(chan struct{})
	v.mu.Lock()
	v.blocked = ch
	v.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			v.mu.Lock()
			v.blocked = nil
			v.mu.Unlock()
			close(ch)
		})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func contactJSON(c contact, props []string) map[string]any {
	all := map[string]any{
		"firstname": c.first, "lastname": c.last, "email": c.email, "phone": c.phone,
		"hs_object_id": c.id, "lastmodifieddate": c.updated,
	}
	p := map[string]any{"hs_object_id": c.id}
	for _, name := range props {
		if v, ok := all[name]; ok && v != "" {
			p[name] = v
		} else if ok {
			p[name] = nil
		}
	}
	return map[string]any{"id": c.id, "properties": p, "updatedAt": c.updated, "archived": false}
}

func (v *vendor) batchRead(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Properties []string `json:"properties"`
		Inputs     []struct {
			ID string `json:"id"`
		} `json:"inputs"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Inputs) == 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": "error", "category": "VALIDATION_ERROR"})
		return
	}
	var results []any
	var missing []string
	for _, in := range req.Inputs {
		i := slices.IndexFunc(contacts, func(c contact) bool { return c.id == in.ID })
		if i < 0 {
			missing = append(missing, in.ID)
			continue
		}
		results = append(results, contactJSON(contacts[i], req.Properties))
	}
	rand.Shuffle(len(results), func(i, j int) { results[i], results[j] = results[j], results[i] })
	body := map[string]any{"status": "COMPLETE", "results": results,
		"startedAt": "2024-05-10T00:00:00Z", "completedAt": "2024-05-10T00:00:01Z"}
	status := http.StatusOK
	if len(missing) > 0 {
		status = http.StatusMultiStatus
		body["numErrors"] = 1
		body["errors"] = []any{map[string]any{"status": "error", "category": "OBJECT_NOT_FOUND",
			"message": "Could not get some CONTACT objects, they may be deleted or not exist.",
			"context": map[string]any{"ids": missing}}}
	}
	writeJSON(w, status, body)
}

func (v *vendor) listContacts(w http.ResponseWriter, r *http.Request) {
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit < 1 || limit > 100 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": "error", "category": "VALIDATION_ERROR"})
		return
	}
	props := strings.Split(r.URL.Query().Get("properties"), ",")
	start := 0
	if after := r.URL.Query().Get("after"); after != "" {
		start = slices.IndexFunc(contacts, func(c contact) bool { return c.id > after })
		if start < 0 {
			start = len(contacts)
		}
	}
	end := min(start+limit, len(contacts))
	var results []any
	for _, c := range contacts[start:end] {
		results = append(results, contactJSON(c, props))
	}
	body := map[string]any{"results": results}
	if end < len(contacts) {
		next := contacts[end-1].id
		body["paging"] = map[string]any{"next": map[string]any{"after": next,
			"link": v.srv.URL + "/crm/v3/objects/contacts?after=" + next}}
	}
	writeJSON(w, http.StatusOK, body)
}

func (v *vendor) orders(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ids := strings.Split(q.Get("customer_ids"), ",")
	var minT, maxT time.Time
	var err error
	if s := q.Get("created_at_min"); s != "" {
		if minT, err = time.Parse(time.RFC3339, s); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": "created_at_min"})
			return
		}
	}
	if s := q.Get("created_at_max"); s != "" {
		if maxT, err = time.Parse(time.RFC3339, s); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"errors": "created_at_max"})
			return
		}
	}
	out := []any{}
	for _, o := range orders {
		at, _ := time.Parse(time.RFC3339, o.created)
		if !slices.Contains(ids, o.customer) || (!minT.IsZero() && at.Before(minT)) || (!maxT.IsZero() && at.After(maxT)) {
			continue
		}
		cid, _ := strconv.ParseInt(o.customer, 10, 64)
		out = append(out, map[string]any{
			"id": o.id, "created_at": o.created, "financial_status": o.status, "currency": "EUR",
			"total_price": o.total, "source_name": o.source, "customer": map[string]any{"id": cid},
			"line_items": []any{map[string]any{"sku": "SKU-" + strconv.FormatInt(o.id, 10), "title": "Item", "quantity": 1, "price": o.total}},
		})
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	writeJSON(w, http.StatusOK, map[string]any{"orders": out})
}

func (v *vendor) tickets(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !slices.ContainsFunc(contacts, func(c contact) bool { return c.id == id }) {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": "RecordNotFound", "description": "Not found"})
		return
	}
	out := []any{}
	for _, tk := range tickets {
		if tk.requester != id {
			continue
		}
		rid, _ := strconv.ParseInt(tk.requester, 10, 64)
		out = append(out, map[string]any{"id": tk.id, "requester_id": rid, "created_at": tk.created,
			"subject": tk.subject, "status": tk.status, "via": map[string]any{"channel": tk.channel}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"tickets": out, "count": len(out), "next_page": nil})
}

// config is the rest configuration for the vendor, all four capabilities.
func (v *vendor) config() string {
	return `
base_url: ` + v.srv.URL + `
auth: {type: bearer, token: "` + v.token + `"}
headers: {X-Client: harmony}
max_concurrency: 2
profiles:
  method: POST
  path: /crm/v3/objects/contacts/batch/read
  body: |
    {"properties": ["firstname", "lastname", "email", "phone", "lastmodifieddate"],
     "inputs": [{{range $i, $k := .Keys}}{{if $i}},{{end}}{"id": {{json $k}}}{{end}}]}
  records: $.results
  key: $.id
  updated_at: $.properties.lastmodifieddate
  fields:
    given_name: $.properties.firstname
    family_name: $.properties.lastname
    email: $.properties.email
    phone: $.properties.phone
    source: hubspot
list_profiles:
  path: /crm/v3/objects/contacts
  query:
    limit: "{{.Limit}}"
    after: "{{.Cursor}}"
    properties: firstname,lastname,email
  records: $.results
  key: $.id
  fields:
    given_name: $.properties.firstname
    email: $.properties.email
  pagination: {style: cursor, next: $.paging.next.after}
orders:
  path: /admin/api/2024-04/orders.json
  query:
    customer_ids: '{{join .Keys ","}}'
    created_at_min: "{{rfc3339 .Since}}"
    created_at_max: "{{rfc3339 .Until}}"
    status: any
  records: $.orders
  customer_key: $.customer.id
  id: $.id
  placed_at: $.created_at
  status: $.financial_status
  channel: $.source_name
  total: $.total_price
  currency: $.currency
  items:
    records: $.line_items
    sku: $.sku
    name: $.title
    quantity: $.quantity
    unit_price: $.price
interactions:
  per_key: true
  path: /api/v2/users/{{.Key}}/tickets/requested.json
  records: $.tickets
  customer_key: $.requester_id
  id: $.id
  occurred_at: $.created_at
  channel: $.via.channel
  type: ticket
  direction: inbound
  summary: $.subject
  status: $.status
  attributes: {source: zendesk}
`
}

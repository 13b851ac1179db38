package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/connectors/internal/mapcheck"
)

// cannedTransport answers every request with body, in process, so that the
// benchmarks measure the connector rather than the network.
type cannedTransport struct{ body []byte }

func (t cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode:    http.StatusOK,
		Header:        http.Header{"Content-Type": []string{"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)),
		Request:       r,
	}, nil
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = strconv.Itoa(1000 + i)
	}
	return keys
}

// benchConversations is a helpdesk-like response: n conversations spread
// over the keys.
func benchConversations(n int, keys []string) []byte {
	convs := make([]map[string]any, n)
	for i := range convs {
		convs[i] = map[string]any{
			"id":                fmt.Sprintf("conv-%05d", i),
			"user_id":           keys[i%len(keys)],
			"created_at":        fmt.Sprintf("2024-05-%02dT10:%02d:00Z", 1+i%28, i%60),
			"channel":           []string{"chat", "whatsapp", "email"}[i%3],
			"direction":         []string{"inbound", "outbound"}[i%2],
			"subject":           fmt.Sprintf("Order #%d has not arrived — où est mon colis ?", 5000+i),
			"status":            []string{"open", "pending", "solved"}[i%3],
			"thread_ref":        fmt.Sprintf("thr-%d", i/3),
			"first_response_at": fmt.Sprintf("2024-05-%02dT10:%02d:30Z", 1+i%28, i%60),
			"solved_at":         nil,
			"messages_count":    3 + i%7,
			"satisfaction":      map[string]any{"score": "good", "rating": 1 + i%5},
			"tags":              []string{"delivery", "vip"},
			"priority":          12.5,
		}
	}
	b, err := json.Marshal(map[string]any{"conversations": convs, "next_page": nil})
	if err != nil {
		panic(err)
	}
	return b
}

// benchContacts is a CRM-like batch read response for keys.
func benchContacts(keys []string) []byte {
	results := make([]map[string]any, len(keys))
	for i, k := range keys {
		results[i] = map[string]any{
			"id":        k,
			"updatedAt": "2024-04-30T08:15:00.123Z",
			"properties": map[string]any{
				"firstname": "Zoé", "lastname": "Martin-" + k, "email": "zoe" + k + "@example.com",
				"phone": "+33 6 12 34 56 78", "city": "Lyon", "country": "FR",
				"date_of_birth": "1988-03-14", "hs_language": "fr",
			},
		}
	}
	b, err := json.Marshal(map[string]any{"status": "COMPLETE", "results": results})
	if err != nil {
		panic(err)
	}
	return b
}

// benchOrders is a shop-like orders response: n orders spread over the
// keys, three line items each, amounts as decimal strings.
func benchOrders(n int, keys []string) []byte {
	orders := make([]map[string]any, n)
	for i := range orders {
		items := make([]map[string]any, 3)
		for j := range items {
			items[j] = map[string]any{
				"sku": fmt.Sprintf("SKU-%04d", (i*3+j)%500), "title": fmt.Sprintf("Chemise en lin n°%d", j),
				"quantity": 1 + j, "price": fmt.Sprintf("%d.%02d", 10+j*7, (i+j)%100),
				"tax_lines": []map[string]any{{"rate": 0.2, "title": "TVA"}},
			}
		}
		orders[i] = map[string]any{
			"id":               5000 + i,
			"customer":         map[string]any{"id": keys[i%len(keys)], "email": "a@example.com"},
			"created_at":       fmt.Sprintf("2024-05-%02dT10:%02d:00+02:00", 1+i%28, i%60),
			"financial_status": []string{"paid", "refunded", "pending"}[i%3],
			"source_name":      []string{"web", "pos"}[i%2],
			"total_price":      fmt.Sprintf("%d.%02d", 50+i, i%100),
			"currency":         "EUR",
			"line_items":       items,
			"shipping_address": map[string]any{"city": "Lyon", "zip": "69001"},
			"note":             nil,
		}
	}
	b, err := json.Marshal(map[string]any{"orders": orders})
	if err != nil {
		panic(err)
	}
	return b
}

const benchShopConfig = `
base_url: https://shop.example.com
auth: {type: bearer, token: "t-123"}
orders:
  method: GET
  path: /admin/api/2024-04/orders.json
  query:
    customer_ids: '{{join .Keys ","}}'
    created_at_min: "{{rfc3339 .Since}}"
    status: any
  records: $.orders
  customer_key: $.customer.id
  id: $.id
  placed_at: $.created_at
  status: $.financial_status
  channel: $.source_name
  channel_values: {web: online, pos: store}
  total: $.total_price
  currency: $.currency
  items:
    records: $.line_items
    sku: $.sku
    name: $.title
    quantity: $.quantity
    unit_price: $.price
`

const benchHelpdeskConfig = `
base_url: https://desk.example.com
auth: {type: bearer, token: "t-123"}
interactions:
  method: GET
  path: /api/v2/conversations.json
  query:
    user_ids: '{{join .Keys ","}}'
    since: "{{rfc3339 .Since}}"
    until: "{{rfc3339 .Until}}"
    per_user: "{{.Limit}}"
  records: $.conversations
  customer_key: $.user_id
  id: $.id
  occurred_at: $.created_at
  channel: $.channel
  type: conversation
  direction: $.direction
  summary: $.subject
  status: $.status
  thread_ref: $.thread_ref
  first_response_at: $.first_response_at
  resolved_at: $.solved_at
  attributes:
    messages: $.messages_count
    satisfaction: $.satisfaction.score
    csat: $.satisfaction.rating
`

const benchCRMConfig = `
base_url: https://crm.example.com
auth: {type: bearer, token: "t-123"}
profiles:
  method: POST
  path: /crm/v3/objects/contacts/batch/read
  body: >-
    {"inputs": [{{range $i, $k := .Keys}}{{if $i}},{{end}}{"id": {{json $k}}}{{end}}],
     "properties": ["firstname", "lastname", "email", "phone", "city", "country", "date_of_birth", "hs_language"]}
  records: $.results
  key: $.id
  updated_at: $.updatedAt
  fields:
    given_name: $.properties.firstname
    family_name: $.properties.lastname
    email: $.properties.email
    phone: $.properties.phone
    city: $.properties.city
    country: $.properties.country
    birth_date: $.properties.date_of_birth
    language: $.properties.hs_language
`

func benchConnector(b *testing.B, cfg string, body []byte) *Connector {
	b.Helper()
	// The package's tests compare the reader with the general path; the
	// benchmarks measure the reader, as it serves.
	b.Cleanup(mapcheck.Set(mapcheck.Direct))
	client := &http.Client{Transport: cannedTransport{body: body}}
	return connectortest.Build(b, KindID, cfg, connectors.Env{HTTPClient: client}).(*Connector)
}

func BenchmarkInteractions(b *testing.B) {
	w := connectors.Window{Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC), Limit: 20}
	for _, tc := range []struct {
		name        string
		keys, items int
	}{
		{"keys1_items20", 1, 20},
		{"keys50_items200", 50, 200},
	} {
		b.Run(tc.name, func(b *testing.B) {
			keys := benchKeys(tc.keys)
			c := benchConnector(b, benchHelpdeskConfig, benchConversations(tc.items, keys))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				out, err := c.Interactions(ctx, keys, w)
				if err != nil || len(out) != len(keys) {
					b.Fatalf("interactions: %d, %v", len(out), err)
				}
			}
		})
	}
}

func BenchmarkOrders(b *testing.B) {
	w := connectors.Window{Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Limit: 20}
	for _, tc := range []struct {
		name         string
		keys, orders int
	}{
		{"keys1_orders5_items3", 1, 5},
		{"keys50_orders100_items3", 50, 100},
	} {
		b.Run(tc.name, func(b *testing.B) {
			keys := benchKeys(tc.keys)
			c := benchConnector(b, benchShopConfig, benchOrders(tc.orders, keys))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				out, err := c.Orders(ctx, keys, w)
				if err != nil || len(out) != len(keys) || len(out[0]) == 0 {
					b.Fatalf("orders: %d, %v", len(out), err)
				}
			}
		})
	}
}

func BenchmarkProfiles(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("keys%d", n), func(b *testing.B) {
			keys := benchKeys(n)
			c := benchConnector(b, benchCRMConfig, benchContacts(keys))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				out, err := c.Profiles(ctx, keys)
				if err != nil || len(out) != n || out[0] == nil {
					b.Fatalf("profiles: %d, %v", len(out), err)
				}
			}
		})
	}
}

// BenchmarkRender is the request-building cost alone: templates, query and
// body.
func BenchmarkRender(b *testing.B) {
	d := TemplateData{
		Keys:  benchKeys(50),
		Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
		Limit: 20,
	}
	for _, tc := range []struct{ name, cfg string }{
		{"helpdesk_query", benchHelpdeskConfig},
		{"crm_body", benchCRMConfig},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := benchConnector(b, tc.cfg, []byte(`{}`))
			r := c.profiles.reqOrNil()
			if r == nil {
				r = c.interactions.req
			}
			b.ReportAllocs()
			for b.Loop() {
				rd, err := r.render(d)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := c.resolve(rd.path, rd.query); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func (p *profilesEP) reqOrNil() *request {
	if p == nil {
		return nil
	}
	return p.req
}

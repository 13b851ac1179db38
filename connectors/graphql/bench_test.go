package graphql_test

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
	"github.com/harmonyhq/harmony/connectors/graphql"
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
		Header:        http.Header{"Content-Type": []string{"application/graphql-response+json"}},
		Body:          io.NopCloser(bytes.NewReader(t.body)),
		ContentLength: int64(len(t.body)),
		Request:       r,
	}, nil
}

func benchKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "cus-" + strconv.Itoa(1000+i)
	}
	return keys
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// benchCustomers answers a customers(ids:) profile query for keys.
func benchCustomers(keys []string) []byte {
	list := make([]map[string]any, len(keys))
	for i, k := range keys {
		list[i] = map[string]any{
			"id": k, "givenName": "Zoé", "familyName": "Martin-" + k, "email": "zoe." + k + "@example.com",
			"phone": "+33 6 12 34 56 78", "city": "Lyon", "country": "FR", "updatedAt": "2024-04-30T08:15:00.123Z",
		}
	}
	return mustJSON(map[string]any{"data": map[string]any{"customers": list}})
}

// benchCustomerOrders answers the peer benchmark's orders query: per
// customer, perKey orders of three line items.
func benchCustomerOrders(keys []string, perKey int) []byte {
	list := make([]map[string]any, len(keys))
	for i, k := range keys {
		orders := make([]map[string]any, perKey)
		for j := range orders {
			items := make([]map[string]any, 3)
			for n := range items {
				items[n] = map[string]any{
					"sku": fmt.Sprintf("SKU-%04d", (i*7+j*3+n)%500), "name": fmt.Sprintf("Chemise en lin n°%d", n),
					"quantity":  1 + n,
					"unitPrice": map[string]any{"amount": fmt.Sprintf("%d.%02d", 10+n*7, (i+j+n)%100), "currency": "EUR"},
				}
			}
			orders[j] = map[string]any{
				"id": fmt.Sprintf("ord-%d-%d", i, j), "customerId": k,
				"placedAt": fmt.Sprintf("2024-05-%02dT10:%02d:00Z", 1+j%28, (i+j)%60),
				"status":   []string{"paid", "refunded", "pending"}[j%3], "channel": []string{"online", "store"}[j%2],
				"total": map[string]any{"amount": fmt.Sprintf("%d.%02d", 50+j, i%100), "currency": "EUR"},
				"items": items,
			}
		}
		list[i] = map[string]any{"id": k, "orders": orders}
	}
	return mustJSON(map[string]any{"data": map[string]any{"customers": list}})
}

// benchCustomerInteractions answers the peer benchmark's interactions
// query: per customer, perKey interactions.
func benchCustomerInteractions(keys []string, perKey int) []byte {
	list := make([]map[string]any, len(keys))
	for i, k := range keys {
		its := make([]map[string]any, perKey)
		for j := range its {
			its[j] = map[string]any{
				"id": fmt.Sprintf("int-%d-%d", i, j), "customerId": k,
				"channel":    []string{"chat", "email", "phone"}[j%3],
				"type":       []string{"conversation", "email_open", "call"}[j%3],
				"occurredAt": fmt.Sprintf("2024-05-%02dT10:%02d:00Z", 1+j%28, (i+j)%60),
				"summary":    fmt.Sprintf("Order #%d has not arrived — où est mon colis ?", 5000+i*perKey+j),
				"status":     []string{"open", "pending", "solved"}[j%3],
			}
		}
		list[i] = map[string]any{"id": k, "interactions": its}
	}
	return mustJSON(map[string]any{"data": map[string]any{"customers": list}})
}

// The configurations are the peer benchmark's (bench/internal/peer).
const benchProfilesConfig = `
endpoint: https://profile.example.com/graphql
profiles:
  query: |
    query Customers($keys: [ID!]!) {
      customers(ids: $keys) { id givenName familyName email phone city country updatedAt }
    }
  records: $.data.customers
  key: $.id
  updated_at: $.updatedAt
  fields:
    given_name: $.givenName
    family_name: $.familyName
    email: $.email
    phone: $.phone
    city: $.city
    country: $.country
`

const benchOrdersConfig = `
endpoint: https://orders.example.com/graphql
orders:
  query: |
    query Orders($keys: [ID!]!, $limit: Int!) {
      customers(ids: $keys) {
        id
        orders(first: $limit) {
          id customerId placedAt status channel
          total { amount currency }
          items { sku name quantity unitPrice { amount currency } }
        }
      }
    }
  records: $.data.customers[*].orders[*]
  customer_key: $.customerId
  id: $.id
  placed_at: $.placedAt
  status: $.status
  channel: $.channel
  total: $.total.amount
  currency: $.total.currency
  items:
    records: $.items
    sku: $.sku
    name: $.name
    quantity: $.quantity
    unit_price: $.unitPrice.amount
    currency: $.unitPrice.currency
`

const benchInteractionsConfig = `
endpoint: https://interactions.example.com/graphql
interactions:
  query: |
    query Interactions($keys: [ID!]!, $limit: Int!) {
      customers(ids: $keys) {
        id
        interactions(first: $limit) { id customerId channel type occurredAt summary status }
      }
    }
  records: $.data.customers[*].interactions[*]
  customer_key: $.customerId
  id: $.id
  occurred_at: $.occurredAt
  channel: $.channel
  type: $.type
  type_values: { email_sent: email_sent, email_open: email_opened, email_click: email_clicked }
  summary: $.summary
  status: $.status
`

func benchConnector(b *testing.B, cfg string, body []byte) *graphql.Connector {
	b.Helper()
	// The package's tests compare the reader with the general path; the
	// benchmarks measure the reader, as it serves.
	b.Cleanup(mapcheck.Set(mapcheck.Direct))
	client := &http.Client{Transport: cannedTransport{body: body}}
	return connectortest.Build(b, graphql.KindID, cfg, connectors.Env{HTTPClient: client}).(*graphql.Connector)
}

var benchWindow = connectors.Window{Since: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Limit: 5}

func BenchmarkProfiles(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("keys%d", n), func(b *testing.B) {
			keys := benchKeys(n)
			c := benchConnector(b, benchProfilesConfig, benchCustomers(keys))
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

func BenchmarkOrders(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("keys%d_orders5_items3", n), func(b *testing.B) {
			keys := benchKeys(n)
			c := benchConnector(b, benchOrdersConfig, benchCustomerOrders(keys, 5))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				out, err := c.Orders(ctx, keys, benchWindow)
				if err != nil || len(out) != n || len(out[0]) != 5 {
					b.Fatalf("orders: %d, %v", len(out), err)
				}
			}
		})
	}
}

func BenchmarkInteractions(b *testing.B) {
	for _, n := range []int{1, 50} {
		b.Run(fmt.Sprintf("keys%d_items5", n), func(b *testing.B) {
			keys := benchKeys(n)
			c := benchConnector(b, benchInteractionsConfig, benchCustomerInteractions(keys, 5))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				out, err := c.Interactions(ctx, keys, benchWindow)
				if err != nil || len(out) != n || len(out[0]) != 5 {
					b.Fatalf("interactions: %d, %v", len(out), err)
				}
			}
		})
	}
}

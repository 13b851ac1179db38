package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

// A rest instance reading contacts from a batch endpoint
// (GET /contacts?ids=a,b) and orders per customer.
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/contacts":
			// ids=c-1,c-404: the API answers the ones it has.
			fmt.Fprint(w, `{"data": [{"id": "c-1", "first_name": "Ana", "email": "ana@example.com",
				"modified": 1714557600}]}`)
		case "/v2/customers/c-1/orders":
			fmt.Fprint(w, `{"orders": [
				{"number": "A-7", "date": "2024-04-02T10:00:00Z", "amount": "12.50", "currency": "EUR"},
				{"number": "A-9", "date": "2024-04-20T10:00:00Z", "amount": "99.00", "currency": "EUR"}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer api.Close()

	conn, err := connectortest.TryBuild("rest", `
base_url: `+api.URL+`/v2
auth: {type: bearer, token: "${CRM_TOKEN}"}  # expanded by the gateway
profiles:
  path: /contacts
  query: {ids: '{{join .Keys ","}}'}
  records: $.data
  key: $.id
  updated_at: $.modified
  fields: {given_name: $.first_name, email: $.email}
orders:
  per_key: true
  path: /customers/{{.Key}}/orders
  query: {from: "{{rfc3339 .Since}}"}
  records: $.orders
  id: $.number
  placed_at: $.date
  total: $.amount
  currency: $.currency
  channel: online
`, connectors.Env{HTTPClient: api.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = conn.Close() }()
	fmt.Println(connectors.Capabilities(conn))

	ctx := context.Background()
	profiles, _ := conn.(connectors.ProfileSource).Profiles(ctx, []string{"c-404", "c-1"})
	fmt.Println(profiles[0] == nil, profiles[1].Key, profiles[1].Get(connectors.FieldEmail), profiles[1].UpdatedAt)

	orders, _ := conn.(connectors.OrderSource).Orders(ctx, []string{"c-1"}, connectors.Window{Limit: 10})
	for _, o := range orders[0] {
		fmt.Println(o.ID, o.CustomerKey, o.Total.Decimal(), o.Total.Currency)
	}
	// Output:
	// [profiles orders]
	// true c-1 ana@example.com 2024-05-01 10:00:00 +0000 UTC
	// A-9 c-1 99.00 EUR
	// A-7 c-1 12.50 EUR
}

package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

// A graphql instance: keys travel as the $keys variable of a list field.
func Example() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Variables struct{ Keys []string } `json:"variables"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		fmt.Println("variables:", req.Variables.Keys)
		// One entry per id, null when unknown.
		fmt.Fprint(w, `{"data": {"contacts": [null, {"id": "42", "name": "Ana", "phone": "+351910000001"}]}}`)
	}))
	defer api.Close()

	conn, err := connectortest.TryBuild("graphql", `
endpoint: `+api.URL+`/graphql
auth: {type: api_key, header: X-Api-Key, key: "${HELPDESK_KEY}"}
profiles:
  query: |
    query Contacts($keys: [ID!]!) {
      contacts(ids: $keys) { id name phone }
    }
  records: $.data.contacts
  key: $.id
  fields: {given_name: $.name, phone: $.phone}
`, connectors.Env{HTTPClient: api.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = conn.Close() }()
	out, err := conn.(connectors.ProfileSource).Profiles(context.Background(), []string{"7", "42"})
	fmt.Println(out[0] == nil, out[1].Key, out[1].Get(connectors.FieldPhone), err)
	// Output:
	// variables: [7 42]
	// true 42 +351910000001 <nil>
}

// batch: aliases, for an API that reads one record per field: the request
// repeats the field once per key, each key in a variable of its own.
func Example_aliases() {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string            `json:"query"`
			Variables map[string]string `json:"variables"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		fmt.Print(req.Query)
		fmt.Println("variables:", req.Variables)
		fmt.Fprint(w, `{"data": {"k0": null, "k1": {"name": "Ana", "phone": "+351910000001"}}}`)
	}))
	defer api.Close()

	conn, err := connectortest.TryBuild("graphql", `
endpoint: `+api.URL+`/graphql
profiles:
  batch: aliases
  query: |
    query Contact($key: ID!) {
      contact(id: $key) { name phone }
    }
  records: $.data.contact
  fields: {given_name: $.name, phone: $.phone}
`, connectors.Env{HTTPClient: api.Client()})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = conn.Close() }()
	out, err := conn.(connectors.ProfileSource).Profiles(context.Background(), []string{"7", "42"})
	fmt.Println(out[0] == nil, out[1].Key, out[1].Get(connectors.FieldGivenName), err)
	// Output:
	// query Contact ($k0: ID!, $k1: ID!) {
	//   k0: contact(id: $k0) {
	//     name
	//     phone
	//   }
	//   k1: contact(id: $k1) {
	//     name
	//     phone
	//   }
	// }
	// variables: map[k0:7 k1:42]
	// true 42 Ana <nil>
}

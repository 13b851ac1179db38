package shop_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/shop"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

const token = "shop-token"

func start(t *testing.T, n int) (*shop.Server, *population.Population) {
	t.Helper()
	pop := population.Generate(42, n)
	s, err := shop.New(t.Context(), pop, shop.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s, pop
}

type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message string `json:"message"`
		Path    []any  `json:"path"`
	} `json:"errors"`
}

func gqlRequest(t *testing.T, s *shop.Server, query string, vars map[string]any) *http.Request {
	body := map[string]any{"query": query}
	if vars != nil {
		body["variables"] = vars
	}
	req := simtest.NewRequest(t, http.MethodPost, s.URL()+"/graphql", body)
	req.Header.Set(shop.TokenHeader, token)
	return req
}

// run posts a query, expects 200 and decodes data into out (if not nil).
func run(t *testing.T, s *shop.Server, query string, vars map[string]any, out any) gqlResponse {
	t.Helper()
	var resp gqlResponse
	simtest.DoJSON(t, gqlRequest(t, s, query, vars), http.StatusOK, &resp)
	if out != nil {
		if len(resp.Errors) > 0 {
			t.Fatalf("errors: %+v", resp.Errors)
		}
		if err := json.Unmarshal(resp.Data, out); err != nil {
			t.Fatalf("decode data: %v", err)
		}
	}
	return resp
}

func key(p *population.Person) string { return p.Key(population.Shop) }

func TestAuth(t *testing.T) {
	s, _ := start(t, 20)
	tests := []struct {
		name, token string
		want        int
	}{
		{"none", "", http.StatusUnauthorized},
		{"wrong", "nope", http.StatusUnauthorized},
		{"right", token, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := simtest.NewRequest(t, http.MethodPost, s.URL()+"/graphql", map[string]string{"query": "{ __typename }"})
			if tc.token != "" {
				req.Header.Set(shop.TokenHeader, tc.token)
			}
			simtest.DoJSON(t, req, tc.want, nil)
		})
	}
}

func TestCustomers(t *testing.T) {
	s, pop := start(t, 60)
	m := pop.Members(population.Shop)
	a, b := m[2], m[0]
	const q = `query Q($ids: [ID!]!) { customers(ids: $ids) { id email firstName defaultAddress { countryCode } createdAt } }`
	var data struct {
		Customers []*struct {
			ID             string  `json:"id"`
			Email          *string `json:"email"`
			FirstName      string  `json:"firstName"`
			DefaultAddress *struct {
				CountryCode string `json:"countryCode"`
			} `json:"defaultAddress"`
			CreatedAt string `json:"createdAt"`
		} `json:"customers"`
	}
	run(t, s, q, map[string]any{"ids": []string{key(a), "gid://shop/Customer/1", key(b)}}, &data)
	if len(data.Customers) != 3 || data.Customers[1] != nil {
		t.Fatalf("customers = %+v, want 3 with null in the middle", data.Customers)
	}
	got := data.Customers[0]
	if got.ID != key(a) || got.Email == nil || *got.Email != a.Records[population.Shop].Email || got.FirstName != a.GivenName {
		t.Errorf("customer 0 = %+v, want person %d", got, a.Index)
	}
	if _, err := time.Parse(time.RFC3339, got.CreatedAt); err != nil {
		t.Errorf("createdAt %q: %v", got.CreatedAt, err)
	}
	if (got.DefaultAddress != nil) != (len(a.Orders) > 0) {
		t.Errorf("defaultAddress present = %v, want %v", got.DefaultAddress != nil, len(a.Orders) > 0)
	}
	if data.Customers[2].ID != key(b) {
		t.Errorf("customer 2 = %s, want %s", data.Customers[2].ID, key(b))
	}
}

func TestAliasesFragmentsAndCounting(t *testing.T) {
	s, pop := start(t, 60)
	m := pop.Members(population.Shop)
	tests := []struct {
		name   string
		query  string
		vars   map[string]any
		routes map[string]int64
		check  func(t *testing.T, data map[string]any, raw []byte)
	}{
		{
			name: "two aliased customers fields count once",
			query: `query($x: [ID!]!, $y: [ID!]!) {
				first: customers(ids: $x) { id }
				second: customers(ids: $y) { email }
			}`,
			vars:   map[string]any{"x": []string{key(m[0])}, "y": []string{key(m[1]), key(m[2])}},
			routes: map[string]int64{"customers": 1},
			check: func(t *testing.T, data map[string]any, raw []byte) {
				if len(data["first"].([]any)) != 1 || len(data["second"].([]any)) != 2 {
					t.Errorf("data = %v", data)
				}
			},
		},
		{
			name: "fragments, inline fragments and __typename",
			query: `query($x: [ID!]!) {
				__typename
				customers(ids: $x) { ...Names ... on Customer { __typename phone } }
				orders(customerIds: $x, limitPerCustomer: 1) { ... { name totalPrice { ...Money } } }
			}
			fragment Names on Customer { firstName lastName }
			fragment Money on MoneyV2 { amount currencyCode }`,
			vars:   map[string]any{"x": []string{key(m[0])}},
			routes: map[string]int64{"customers": 1, "orders": 1},
			check: func(t *testing.T, data map[string]any, raw []byte) {
				c := data["customers"].([]any)[0].(map[string]any)
				if data["__typename"] != "Query" || c["__typename"] != "Customer" || c["firstName"] != m[0].GivenName {
					t.Errorf("data = %v", data)
				}
				if _, ok := c["phone"]; !ok {
					t.Errorf("inline fragment field missing")
				}
				if !inOrder(raw, `"firstName"`, `"lastName"`, `"__typename":"Customer"`, `"phone"`) {
					t.Errorf("fields not in selection order: %s", raw)
				}
			},
		},
		{
			name:   "skip and include",
			query:  `query($x: [ID!]!, $no: Boolean!) { customers(ids: $x) { id email @skip(if: true) phone @include(if: $no) } orders(customerIds: $x, limitPerCustomer: 1) @include(if: $no) { id } }`,
			vars:   map[string]any{"x": []string{key(m[0])}, "no": false},
			routes: map[string]int64{"customers": 1},
			check: func(t *testing.T, data map[string]any, raw []byte) {
				c := data["customers"].([]any)[0].(map[string]any)
				if len(c) != 1 || data["orders"] != nil {
					t.Errorf("data = %v", data)
				}
			},
		},
		{
			name:   "customer and literal arguments",
			query:  fmt.Sprintf(`{ c: customer(id: %q) { id } none: customer(id: "gid://shop/Customer/0") { id } }`, key(m[3])),
			routes: map[string]int64{"customer": 1},
			check: func(t *testing.T, data map[string]any, raw []byte) {
				if data["none"] != nil || data["c"].(map[string]any)["id"] != key(m[3]) {
					t.Errorf("data = %v", data)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.Reset()
			var data map[string]any
			resp := run(t, s, tc.query, tc.vars, &data)
			tc.check(t, data, resp.Data)
			if got := s.Total(); got != 1 {
				t.Errorf("Total = %d, want 1", got)
			}
			if got := s.Counts(); fmt.Sprint(got) != fmt.Sprint(tc.routes) {
				t.Errorf("Counts = %v, want %v", got, tc.routes)
			}
		})
	}
}

// inOrder reports whether the needles appear in raw in this order.
func inOrder(raw []byte, needles ...string) bool {
	at := 0
	for _, n := range needles {
		i := strings.Index(string(raw[at:]), n)
		if i < 0 {
			return false
		}
		at += i + len(n)
	}
	return true
}

func TestErrors(t *testing.T) {
	s, _ := start(t, 20)
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("gid://shop/Customer/%d", 7001+i)
	}
	tests := []struct {
		name     string
		query    string
		vars     map[string]any
		wantData bool   // "data" present and execution started
		wantMsg  string // part of the first error message
		routes   int
	}{
		{"unknown field", `{ customers(ids: []) { nickname } }`, nil, false, "nickname", 0},
		{"missing argument", `{ orders(customerIds: []) { id } }`, nil, false, "limitPerCustomer", 0},
		{"syntax", `{ customers(ids: [) }`, nil, false, "", 0},
		{"wrong variable type", `query($n: Int!) { customerList(first: $n) { nodes { id } } }`, map[string]any{"n": "many"}, false, "", 0},
		{"missing variable", `query($n: Int!) { customerList(first: $n) { nodes { id } } }`, nil, false, "", 0},
		{"mutation", `mutation { customers(ids: []) { id } }`, nil, false, "", 0},
		{"several operations, no name", `query A { __typename } query B { __typename }`, nil, false, "operationName", 0},
		{"101 ids", `query($x: [ID!]!) { customers(ids: $x) { id } }`, map[string]any{"x": many}, true, "at most 100", 1},
		{"101 customerIds", `query($x: [ID!]!) { orders(customerIds: $x, limitPerCustomer: 1) { id } }`, map[string]any{"x": many}, true, "at most 100", 1},
		{"bad DateTime", `{ orders(customerIds: [], since: "yesterday", limitPerCustomer: 1) { id } }`, nil, true, "since", 1},
		{"first too big", `{ customerList(first: 251) { nodes { id } } }`, nil, true, "first", 1},
		{"bad cursor", `{ customerList(first: 1, after: "nope") { nodes { id } } }`, nil, true, "after", 1},
		{"introspection", `{ __schema { types { name } } }`, nil, true, "introspection", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.Reset()
			var raw map[string]json.RawMessage
			simtest.DoJSON(t, gqlRequest(t, s, tc.query, tc.vars), http.StatusOK, &raw)
			var errs []struct {
				Message string `json:"message"`
			}
			if err := json.Unmarshal(raw["errors"], &errs); err != nil || len(errs) == 0 {
				t.Fatalf("no errors in %v", raw)
			}
			if !strings.Contains(errs[0].Message, tc.wantMsg) {
				t.Errorf("message %q does not mention %q", errs[0].Message, tc.wantMsg)
			}
			data, has := raw["data"]
			if has != tc.wantData {
				t.Errorf("data present = %v, want %v", has, tc.wantData)
			}
			if has && string(data) != "null" {
				t.Errorf("data = %s, want null (non-null root field failed)", data)
			}
			if got := len(s.Counts()); got != tc.routes {
				t.Errorf("routes counted = %v, want %d", s.Counts(), tc.routes)
			}
		})
	}
	req := simtest.NewRequest(t, http.MethodPost, s.URL()+"/graphql", map[string]string{"nope": "x"})
	req.Header.Set(shop.TokenHeader, token)
	simtest.DoJSON(t, req, http.StatusBadRequest, nil)
}

func TestCustomerListWalksAllOnce(t *testing.T) {
	s, pop := start(t, 80)
	const q = `query($first: Int!, $after: String) { customerList(first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`
	for _, first := range []int{7, 250} {
		t.Run(fmt.Sprint("first ", first), func(t *testing.T) {
			s.Reset()
			seen := map[string]int{}
			pages := 0
			var after any
			for {
				var data struct {
					CustomerList struct {
						Nodes []struct {
							ID string `json:"id"`
						} `json:"nodes"`
						PageInfo struct {
							HasNextPage bool    `json:"hasNextPage"`
							EndCursor   *string `json:"endCursor"`
						} `json:"pageInfo"`
					} `json:"customerList"`
				}
				run(t, s, q, map[string]any{"first": first, "after": after}, &data)
				pages++
				for _, n := range data.CustomerList.Nodes {
					seen[n.ID]++
				}
				if !data.CustomerList.PageInfo.HasNextPage {
					break
				}
				after = *data.CustomerList.PageInfo.EndCursor
			}
			if want := len(pop.Members(population.Shop)); len(seen) != want {
				t.Errorf("walked %d customers, want %d", len(seen), want)
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("customer %s seen %d times", id, n)
				}
			}
			if got := s.Count("customerList"); got != int64(pages) {
				t.Errorf("customerList count = %d, want %d", got, pages)
			}
		})
	}
}

func TestOrdersWindow(t *testing.T) {
	s, pop := start(t, 200)
	var busy, other *population.Person
	for _, p := range pop.Members(population.Shop) {
		switch {
		case busy == nil && len(p.Orders) >= 6:
			busy = p
		case other == nil && len(p.Orders) >= 2:
			other = p
		}
	}
	if busy == nil || other == nil {
		t.Fatal("population lacks people with enough orders")
	}
	os := busy.Orders
	ts := func(i int) string { return os[i].CreatedAt.UTC().Format(time.RFC3339) }
	names := func(xs ...population.Order) []string {
		var out []string
		for _, o := range xs {
			out = append(out, o.Name)
		}
		return out
	}
	const q = `query($ids: [ID!]!, $since: DateTime, $until: DateTime, $n: Int!) {
		orders(customerIds: $ids, since: $since, until: $until, limitPerCustomer: $n) {
			id customerId name createdAt financialStatus totalPrice { amount currencyCode }
			lineItems { sku title quantity originalUnitPrice { amount } }
		}
	}`
	tests := []struct {
		name string
		vars map[string]any
		want []string
	}{
		{"newest first, limit", map[string]any{"ids": []string{key(busy)}, "n": 3}, names(os[:3]...)},
		{"inclusive bounds", map[string]any{"ids": []string{key(busy)}, "since": ts(4), "until": ts(1), "n": 100}, names(os[1:5]...)},
		{"window and limit", map[string]any{"ids": []string{key(busy)}, "since": ts(4), "until": ts(1), "n": 2}, names(os[1:3]...)},
		{"grouped by customer, repeats and unknown dropped", map[string]any{"ids": []string{key(other), "gid://shop/Customer/1", key(busy), key(other)}, "n": 1}, names(other.Orders[0], os[0])},
		{"zero limit", map[string]any{"ids": []string{key(busy)}, "n": 0}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var data struct {
				Orders []struct {
					ID         string `json:"id"`
					CustomerID string `json:"customerId"`
					Name       string `json:"name"`
					TotalPrice struct {
						Amount       string `json:"amount"`
						CurrencyCode string `json:"currencyCode"`
					} `json:"totalPrice"`
					LineItems []struct {
						Quantity int `json:"quantity"`
					} `json:"lineItems"`
				} `json:"orders"`
			}
			run(t, s, q, tc.vars, &data)
			var got []string
			for _, o := range data.Orders {
				got = append(got, o.Name)
				if !strings.HasPrefix(o.ID, "gid://shop/Order/") || o.TotalPrice.CurrencyCode != "EUR" || len(o.LineItems) == 0 {
					t.Errorf("order %+v malformed", o)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("orders = %v, want %v", got, tc.want)
			}
		})
	}
	var data struct {
		Orders []struct {
			TotalPrice struct {
				Amount string `json:"amount"`
			} `json:"totalPrice"`
		} `json:"orders"`
	}
	run(t, s, `query($ids: [ID!]!) { orders(customerIds: $ids, limitPerCustomer: 1) { totalPrice { amount } } }`, map[string]any{"ids": []string{key(busy)}}, &data)
	cents := os[0].TotalCents
	if want := fmt.Sprintf("%d.%02d", cents/100, cents%100); data.Orders[0].TotalPrice.Amount != want {
		t.Errorf("amount = %q, want %q", data.Orders[0].TotalPrice.Amount, want)
	}
}

func TestInjection(t *testing.T) {
	s, _ := start(t, 20)
	req := func() *http.Request { return gqlRequest(t, s, `{ customers(ids: []) { id } }`, nil) }
	simtest.Injection(t, s, req)
	simtest.Stopped(t, s, req)
}

func TestConcurrentRequests(t *testing.T) {
	s, pop := start(t, 60)
	m := pop.Members(population.Shop)
	const q = `query($x: [ID!]!) { customers(ids: $x) { id ...F } orders(customerIds: $x, limitPerCustomer: 2) { name } } fragment F on Customer { email }`
	errs := make(chan error, 16)
	reqs := make([]*http.Request, 16)
	for i := range reqs {
		reqs[i] = gqlRequest(t, s, q, map[string]any{"x": []string{key(m[i%len(m)])}})
	}
	for _, req := range reqs {
		go func() {
			var resp gqlResponse
			r, err := http.DefaultClient.Do(req) // not simtest.Do: no t.Fatal off the test goroutine
			if err != nil {
				errs <- err
				return
			}
			defer r.Body.Close()
			if err := json.NewDecoder(r.Body).Decode(&resp); err != nil {
				errs <- fmt.Errorf("status %d: decode: %w", r.StatusCode, err)
				return
			}
			if r.StatusCode != http.StatusOK || len(resp.Errors) > 0 {
				errs <- fmt.Errorf("status %d, errors %v", r.StatusCode, resp.Errors)
				return
			}
			errs <- nil
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if got := s.Count("customers"); got != 16 {
		t.Errorf("customers count = %d, want 16", got)
	}
}

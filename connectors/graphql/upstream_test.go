package graphql_test

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/validator"
)

// schema is a storefront-like GraphQL API: customers fetched by a list of
// ids (null for unknown ids), a relay-style connection for listing, orders
// and conversations filtered by customer ids and time bounds.
const schema = `
scalar DateTime

scalar JSON

type Query {
  customer(id: ID!): Customer
  customerOrders(customerId: ID!, since: DateTime, until: DateTime, first: Int): [Order!]!
  searchCustomers(emails: [String!]!, phones: [String!]!): [Customer!]!
  customerData(ids: [ID!]!): [CustomerData!]!
  customers(ids: [ID!]!): [Customer]!
  customerList(first: Int!, after: String): CustomerConnection!
  orders(customerIds: [ID!]!, since: DateTime, until: DateTime, first: Int): [Order!]!
  conversations(contactIds: [ID!]!, createdAfter: DateTime, createdBefore: DateTime): [Conversation!]!
}

type Mutation {
  eraseCustomers(ids: [ID!]!): EraseResult!
  deleteCustomer(id: ID!): DeleteResult
  sendMessage(to: ID!, channel: String!, text: String, template: String, params: JSON, idempotencyKey: String): SentMessage
  sendMessages(messages: [MessageInput!]!): [SentMessage!]!
}

input MessageInput { to: ID!, channel: String!, text: String, template: String, idempotencyKey: String }
type EraseResult { erasedIds: [ID!]! }
type DeleteResult { deleted: Boolean! }
type SentMessage { id: ID! status: String! idempotencyKey: String }
type CustomerData { id: ID! customer: Customer! orders: [Order!]! }

type Customer {
  id: ID!
  firstName: String
  lastName: String
  email: String
  phone: String
  updatedAt: DateTime!
}

type CustomerConnection {
  nodes: [Customer!]!
  pageInfo: PageInfo!
}

type PageInfo {
  hasNextPage: Boolean!
  endCursor: String
}

type Order {
  id: ID!
  createdAt: DateTime!
  customer: Customer!
  displayFinancialStatus: String
  totalPriceSet: MoneyBag!
  lineItems: [LineItem!]!
}

type MoneyBag { shopMoney: Money! }
type Money { amount: String! currencyCode: String! }

type LineItem {
  sku: String
  name: String!
  quantity: Int!
  originalUnitPrice: String!
}

type Conversation {
  id: ID!
  contactId: ID!
  createdAt: Int!
  channel: String!
  state: String!
  title: String
  firstResponseAt: Int
  closedAt: Int
}
`

type server struct {
	srv    *httptest.Server
	schema *ast.Schema
	token  string

	mu       sync.Mutex
	broken   bool
	blocked  chan struct{}
	override func(w http.ResponseWriter) bool // answers instead when it returns true
	lastVars map[string]any
	lastDoc  string
	erased   map[string]bool
	sent     []sentMessage
}

// sentMessage is a message the server accepted.
type sentMessage struct{ id, to, channel, idem string }

// fieldError is what a resolver returns to fail its field: the executor
// reports it with the field's path and answers null.
type fieldError string

type customer struct{ id, first, last, email, updated string }

var customers = []customer{
	{"gid://shop/Customer/1", "Ana", "Silva", "ana@example.com", "2024-05-01T10:00:00Z"},
	{"gid://shop/Customer/2", "Bruno", "Costa", "", "2024-05-02T10:00:00Z"},
	{"gid://shop/Customer/3", "Carla", "Dias", "carla@example.com", "2024-05-03T10:00:00Z"},
	{"gid://shop/Customer/4", "Duarte", "Reis", "duarte@example.com", "2024-05-04T10:00:00Z"},
}

type order struct {
	id, customer, at, amount, status string
}

var orders = []order{
	{"gid://shop/Order/11", "gid://shop/Customer/1", "2024-04-01T09:00:00Z", "129.90", "PAID"},
	{"gid://shop/Order/12", "gid://shop/Customer/1", "2024-04-02T09:00:00Z", "10.00", "REFUNDED"},
	{"gid://shop/Order/13", "gid://shop/Customer/1", "2024-04-03T09:00:00Z", "20.00", "PAID"},
	{"gid://shop/Order/14", "gid://shop/Customer/2", "2024-04-04T09:00:00Z", "30.50", "PAID"},
	{"gid://shop/Order/15", "gid://shop/Customer/3", "2024-04-05T09:00:00Z", "1999", "PENDING"},
}

type conversation struct {
	id, contact     string
	at              int64
	channel, state  string
	first, closedAt int64
}

var conversations = []conversation{
	{"c1", "gid://shop/Customer/1", 1706781600, "whatsapp", "closed", 1706781900, 1706785200},
	{"c2", "gid://shop/Customer/1", 1706868000, "chat", "open", 0, 0},
	{"c3", "gid://shop/Customer/1", 1706954400, "email", "open", 1706958000, 0},
	{"c4", "gid://shop/Customer/3", 1707040800, "whatsapp", "snoozed", 0, 0},
}

func newServer(t testing.TB) *server {
	s := &server{
		erased: map[string]bool{},
		schema: gqlparser.MustLoadSchema(&ast.Source{Name: "schema.graphql", Input: schema}),
		token:  "gql-" + strconv.FormatInt(time.Now().UnixNano(), 36) + "-s3cr3t",
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *server) Break() { s.mu.Lock(); s.broken = true; s.mu.Unlock() }
func (s *server) Heal()  { s.mu.Lock(); s.broken = false; s.mu.Unlock() }
func (s *server) Block() func() {
	ch := make(chan struct{})
	s.mu.Lock()
	s.blocked = ch
	s.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { s.mu.Lock(); s.blocked = nil; s.mu.Unlock(); close(ch) }) }
}

func gqlError(w http.ResponseWriter, status int, msg, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	e := map[string]any{"message": msg}
	if code != "" {
		e["extensions"] = map[string]any{"code": code}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []any{e}, "data": nil})
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	broken, blocked, override := s.broken, s.blocked, s.override
	s.mu.Unlock()
	if blocked != nil {
		select {
		case <-blocked:
		case <-r.Context().Done():
			return
		}
	}
	if broken {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if r.Method != http.MethodPost || r.Header.Get("X-Shop-Access-Token") != s.token {
		gqlError(w, http.StatusUnauthorized, "Invalid API key or access token", "UNAUTHENTICATED")
		return
	}
	if override != nil && override(w) {
		return
	}
	var req struct {
		Query         string         `json:"query"`
		OperationName string         `json:"operationName"`
		Variables     map[string]any `json:"variables"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		gqlError(w, http.StatusBadRequest, "bad request body", "BAD_REQUEST")
		return
	}
	doc, errs := gqlparser.LoadQueryWithRules(s.schema, req.Query, nil) // nil: the default rules
	if len(errs) > 0 {
		gqlError(w, http.StatusOK, errs.Error(), "GRAPHQL_VALIDATION_FAILED")
		return
	}
	op := doc.Operations.ForName(req.OperationName)
	if op == nil {
		gqlError(w, http.StatusOK, "unknown operation", "BAD_REQUEST")
		return
	}
	vars, err := validator.VariableValues(s.schema, op, req.Variables)
	if err != nil {
		gqlError(w, http.StatusOK, err.Error(), "BAD_USER_INPUT")
		return
	}
	s.mu.Lock()
	s.lastVars = req.Variables
	s.lastDoc = req.Query
	var fieldErrs []any
	data := execute(op.SelectionSet, s.root(), vars, &fieldErrs)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	resp := map[string]any{"data": data}
	if len(fieldErrs) > 0 {
		resp["errors"] = fieldErrs
	}
	_ = json.NewEncoder(w).Encode(resp)
}

// resolver computes a field from its arguments.
type resolver func(args map[string]any) any

// execute is a tiny GraphQL executor over maps: a field's value is the
// map entry of its name, called when it is a resolver.
func execute(sel ast.SelectionSet, obj map[string]any, vars map[string]any, errs *[]any) map[string]any {
	out := map[string]any{}
	for _, s := range sel {
		switch s := s.(type) {
		case *ast.Field:
			name := s.Alias
			if name == "" {
				name = s.Name
			}
			v := obj[s.Name]
			if fn, ok := v.(resolver); ok {
				v = fn(s.ArgumentMap(vars))
			}
			if msg, ok := v.(fieldError); ok {
				*errs = append(*errs, map[string]any{"message": string(msg), "path": []any{name},
					"extensions": map[string]any{"code": "BAD_USER_INPUT"}})
				v = nil
			}
			out[name] = complete(s.SelectionSet, v, vars, errs)
		case *ast.InlineFragment:
			for k, v := range execute(s.SelectionSet, obj, vars, errs) {
				out[k] = v
			}
		case *ast.FragmentSpread:
			for k, v := range execute(s.Definition.SelectionSet, obj, vars, errs) {
				out[k] = v
			}
		}
	}
	return out
}

func complete(sel ast.SelectionSet, v any, vars map[string]any, errs *[]any) any {
	switch v := v.(type) {
	case map[string]any:
		return execute(sel, v, vars, errs)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = complete(sel, e, vars, errs)
		}
		return out
	}
	return v
}

func ids(args map[string]any, name string) []string {
	var out []string
	for _, v := range args[name].([]any) {
		out = append(out, v.(string))
	}
	return out
}

func timeArg(args map[string]any, name string) time.Time {
	s, _ := args[name].(string)
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

func inside(t, since, until time.Time) bool {
	return (since.IsZero() || !t.Before(since)) && (until.IsZero() || !t.After(until))
}

func customerObj(c customer) map[string]any {
	m := map[string]any{"id": c.id, "firstName": c.first, "lastName": c.last, "updatedAt": c.updated, "phone": nil}
	if c.email != "" {
		m["email"] = c.email
	} else {
		m["email"] = nil
	}
	return m
}

// find returns the customer with id unless it is erased; s.mu is held.
func (s *server) find(id string) (customer, bool) {
	i := slices.IndexFunc(customers, func(c customer) bool { return c.id == id })
	if i < 0 || s.erased[id] {
		return customer{}, false
	}
	return customers[i], true
}

// root is the server's resolvers; s.mu is held while they run.
func (s *server) root() map[string]any {
	r := map[string]any{
		"customers": resolver(func(args map[string]any) any {
			var out []any
			for _, id := range ids(args, "ids") {
				if c, ok := s.find(id); ok {
					out = append(out, customerObj(c))
				} else {
					out = append(out, nil)
				}
			}
			return out
		}),
		"customerList": resolver(func(args map[string]any) any {
			var first int
			switch v := args["first"].(type) {
			case int64:
				first = int(v)
			case float64:
				first = int(v)
			case json.Number:
				n, _ := v.Int64()
				first = int(n)
			}
			start := 0
			if after, _ := args["after"].(string); after != "" {
				start, _ = strconv.Atoi(after)
			}
			end := min(start+first, len(customers))
			var nodes []any
			for _, c := range customers[start:end] {
				nodes = append(nodes, customerObj(c))
			}
			return map[string]any{"nodes": nodes, "pageInfo": map[string]any{
				"hasNextPage": end < len(customers), "endCursor": strconv.Itoa(end)}}
		}),
		"orders": resolver(func(args map[string]any) any {
			keys := ids(args, "customerIds")
			since, until := timeArg(args, "since"), timeArg(args, "until")
			var out []any
			for _, o := range orders {
				at, _ := time.Parse(time.RFC3339, o.at)
				if !slices.Contains(keys, o.customer) || !inside(at, since, until) {
					continue
				}
				out = append(out, map[string]any{
					"id": o.id, "createdAt": o.at, "displayFinancialStatus": o.status,
					"customer":      customerObj(customers[slices.IndexFunc(customers, func(c customer) bool { return c.id == o.customer })]),
					"totalPriceSet": map[string]any{"shopMoney": map[string]any{"amount": o.amount, "currencyCode": "EUR"}},
					"lineItems":     []any{map[string]any{"sku": nil, "name": "Gift card", "quantity": 1, "originalUnitPrice": o.amount}},
				})
			}
			rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
			return out
		}),
		"conversations": resolver(func(args map[string]any) any {
			keys := ids(args, "contactIds")
			since, until := timeArg(args, "createdAfter"), timeArg(args, "createdBefore")
			var out []any
			for _, c := range conversations {
				if !slices.Contains(keys, c.contact) || !inside(time.Unix(c.at, 0), since, until) {
					continue
				}
				m := map[string]any{"id": c.id, "contactId": c.contact, "createdAt": c.at, "channel": c.channel,
					"state": c.state, "title": nil, "firstResponseAt": nil, "closedAt": nil}
				if c.first != 0 {
					m["firstResponseAt"] = c.first
				}
				if c.closedAt != 0 {
					m["closedAt"] = c.closedAt
				}
				out = append(out, m)
			}
			return out
		}),
	}
	s.more(r)
	return r
}

// config is the graphql configuration for the server.
func (s *server) config() string {
	return `
endpoint: ` + s.srv.URL + `/admin/api/2024-04/graphql.json
headers: {X-Shop-Access-Token: "` + s.token + `"}
profiles:
  query: |
    query Customers($keys: [ID!]!) {
      customers(ids: $keys) { ...CustomerFields }
    }
    fragment CustomerFields on Customer { id firstName lastName email phone updatedAt }
  records: $.data.customers
  key: $.id
  updated_at: $.updatedAt
  fields:
    given_name: $.firstName
    family_name: $.lastName
    email: $.email
    phone: $.phone
list_profiles:
  query: |
    query List($limit: Int!, $cursor: String) {
      customerList(first: $limit, after: $cursor) {
        nodes { id email }
        pageInfo { hasNextPage endCursor }
      }
    }
  records: $.data.customerList.nodes
  key: $.id
  fields: {email: $.email}
  next_cursor: $.data.customerList.pageInfo.endCursor
  has_next: $.data.customerList.pageInfo.hasNextPage
orders:
  query: |
    query Orders($keys: [ID!]!, $since: DateTime, $until: DateTime) {
      orders(customerIds: $keys, since: $since, until: $until) {
        id createdAt displayFinancialStatus
        customer { id }
        totalPriceSet { shopMoney { amount currencyCode } }
        lineItems { sku name quantity originalUnitPrice }
      }
    }
  records: $.data.orders
  customer_key: $.customer.id
  id: $.id
  placed_at: $.createdAt
  status: $.displayFinancialStatus
  channel: online
  total: $.totalPriceSet.shopMoney.amount
  currency: $.totalPriceSet.shopMoney.currencyCode
  items:
    records: $.lineItems
    sku: $.sku
    name: $.name
    quantity: $.quantity
    unit_price: $.originalUnitPrice
interactions:
  query: |
    query Conversations($keys: [ID!]!, $since: DateTime, $until: DateTime) {
      conversations(contactIds: $keys, createdAfter: $since, createdBefore: $until) {
        id contactId createdAt channel state title firstResponseAt closedAt
      }
    }
  records: $.data.conversations
  customer_key: $.contactId
  id: $.id
  occurred_at: $.createdAt
  channel: $.channel
  type: conversation
  status: $.state
  summary: $.title
  thread_ref: $.id
  first_response_at: $.firstResponseAt
  resolved_at: $.closedAt
`
}

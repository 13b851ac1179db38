package graphql_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// The server's per-record fields (for batch aliases), search, export and
// mutations. Erased customers are gone from every read; sent messages are
// kept, once per idempotency key.

func intArg(args map[string]any, name string) int {
	switch v := args[name].(type) {
	case int64:
		return int(v)
	case float64:
		return int(v)
	case json.Number:
		n, _ := v.Int64()
		return int(n)
	}
	return 0
}

func orderObj(o order) map[string]any {
	return map[string]any{
		"id": o.id, "createdAt": o.at, "displayFinancialStatus": o.status,
		"customer":      customerObj(customers[slices.IndexFunc(customers, func(c customer) bool { return c.id == o.customer })]),
		"totalPriceSet": map[string]any{"shopMoney": map[string]any{"amount": o.amount, "currencyCode": "EUR"}},
		"lineItems":     []any{map[string]any{"sku": nil, "name": "Gift card", "quantity": 1, "originalUnitPrice": o.amount}},
	}
}

// ordersOf lists a customer's orders inside the bounds, newest first.
func ordersOf(id string, since, until time.Time) []any {
	var list []order
	for _, o := range orders {
		at, _ := time.Parse(time.RFC3339, o.at)
		if o.customer == id && inside(at, since, until) {
			list = append(list, o)
		}
	}
	slices.SortFunc(list, func(a, b order) int { return -compareStrings(a.at, b.at) })
	out := make([]any, 0, len(list))
	for _, o := range list {
		out = append(out, orderObj(o))
	}
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (s *server) more(r map[string]any) {
	r["customer"] = resolver(func(args map[string]any) any {
		if c, ok := s.find(args["id"].(string)); ok {
			return customerObj(c)
		}
		return nil
	})
	r["customerOrders"] = resolver(func(args map[string]any) any {
		id := args["customerId"].(string)
		if _, ok := s.find(id); !ok {
			return []any{}
		}
		out := ordersOf(id, timeArg(args, "since"), timeArg(args, "until"))
		if n := intArg(args, "first"); n > 0 && n < len(out) {
			out = out[:n]
		}
		return out
	})
	r["searchCustomers"] = resolver(func(args map[string]any) any {
		emails, phones := ids(args, "emails"), ids(args, "phones")
		out := []any{}
		for _, c := range customers {
			if _, ok := s.find(c.id); ok && c.email != "" && slices.Contains(emails, c.email) {
				out = append(out, customerObj(c))
			}
		}
		_ = phones // no customer of the data set has a phone number
		return out
	})
	r["customerData"] = resolver(func(args map[string]any) any {
		out := []any{}
		for _, id := range ids(args, "ids") {
			if c, ok := s.find(id); ok {
				out = append(out, map[string]any{"id": c.id, "customer": customerObj(c), "orders": ordersOf(c.id, time.Time{}, time.Time{})})
			}
		}
		return out
	})
	r["eraseCustomers"] = resolver(func(args map[string]any) any {
		erased := []any{}
		for _, id := range ids(args, "ids") {
			if _, ok := s.find(id); ok {
				s.erased[id] = true
				erased = append(erased, id)
			}
		}
		return map[string]any{"erasedIds": erased}
	})
	r["deleteCustomer"] = resolver(func(args map[string]any) any {
		id := args["id"].(string)
		if _, ok := s.find(id); !ok {
			return nil
		}
		s.erased[id] = true
		return map[string]any{"deleted": true}
	})
	send := func(to, channel, idem string) any {
		if _, ok := s.find(to); !ok {
			return fieldError("no such recipient")
		}
		for _, m := range s.sent {
			if idem != "" && m.idem == idem {
				return map[string]any{"id": m.id, "status": "duplicate", "idempotencyKey": idem}
			}
		}
		m := sentMessage{id: "msg-" + strconv.Itoa(len(s.sent)+1), to: to, channel: channel, idem: idem}
		s.sent = append(s.sent, m)
		return map[string]any{"id": m.id, "status": "queued", "idempotencyKey": nullable(idem)}
	}
	r["sendMessage"] = resolver(func(args map[string]any) any {
		idem, _ := args["idempotencyKey"].(string)
		return send(args["to"].(string), args["channel"].(string), idem)
	})
	r["sendMessages"] = resolver(func(args map[string]any) any {
		out := []any{}
		for _, m := range args["messages"].([]any) {
			in := m.(map[string]any)
			idem, _ := in["idempotencyKey"].(string)
			res := send(in["to"].(string), in["channel"].(string), idem)
			if _, refused := res.(fieldError); refused {
				res = map[string]any{"id": "", "status": "refused", "idempotencyKey": nullable(idem)}
			}
			out = append(out, res)
		}
		return out
	})
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// sentTo is the recipient of a message the server accepted.
func (s *server) sentTo(id string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.sent {
		if m.id == id {
			return m.to, true
		}
	}
	return "", false
}

// privacyConfig is the list-style lookup, erase, export and send.
const privacyConfig = `
lookup:
  query: |
    query Search($emails: [String!]!) {
      searchCustomers(emails: $emails, phones: []) { id email phone }
    }
  records: $.data.searchCustomers
  key: $.id
  fields: {email: $.email, phone: $.phone}
erase:
  mutation: |
    mutation Erase($keys: [ID!]!) { eraseCustomers(ids: $keys) { erasedIds } }
  erased_keys: $.data.eraseCustomers.erasedIds
export:
  query: |
    query Export($keys: [ID!]!) {
      customerData(ids: $keys) { id customer { id firstName lastName email } orders { id createdAt } }
    }
  records: $.data.customerData
  key: $.id
send:
  mutation: |
    mutation Send($messages: [MessageInput!]!) {
      sendMessages(messages: $messages) { id status idempotencyKey }
    }
  channels: [email, whatsapp]
  message_fields: {to: customer_key, channel: channel, text: body, template: template, idempotencyKey: idempotency_key}
  records: $.data.sendMessages
  message_id: $.id
  status: $.status
  idempotency_key: $.idempotencyKey
`

// aliasesConfig serves every keyed capability with batch aliases.
func (s *server) aliasesConfig() string {
	return `
endpoint: ` + s.srv.URL + `/admin/api/2024-04/graphql.json
headers: {X-Shop-Access-Token: "` + s.token + `"}
profiles:
  batch: aliases
  query: |
    query Customer($key: ID!) {
      customer(id: $key) { ...CustomerFields }
    }
    fragment CustomerFields on Customer { id firstName lastName email phone updatedAt }
  records: $.data.customer
  updated_at: $.updatedAt
  fields: {given_name: $.firstName, family_name: $.lastName, email: $.email, phone: $.phone}
orders:
  batch: aliases
  query: |
    query CustomerOrders($key: ID!, $since: DateTime, $until: DateTime, $limit: Int) {
      customerOrders(customerId: $key, since: $since, until: $until, first: $limit) {
        id createdAt displayFinancialStatus
        totalPriceSet { shopMoney { amount currencyCode } }
      }
    }
  records: $.data.customerOrders
  id: $.id
  placed_at: $.createdAt
  status: $.displayFinancialStatus
  channel: online
  total: $.totalPriceSet.shopMoney.amount
  currency: $.totalPriceSet.shopMoney.currencyCode
erase:
  batch: aliases
  mutation: |
    mutation Delete($key: ID!) { deleteCustomer(id: $key) { deleted } }
  found: $.data.deleteCustomer.deleted
export:
  batch: aliases
  query: |
    query Export($key: ID!) { customer(id: $key) { id firstName lastName email updatedAt } }
send:
  batch: aliases
  mutation: |
    mutation Send($customerKey: ID!, $channel: String!, $body: String, $template: String, $params: JSON, $idempotencyKey: String) {
      sendMessage(to: $customerKey, channel: $channel, text: $body, template: $template, params: $params, idempotencyKey: $idempotencyKey) {
        id status
      }
    }
  channels: [whatsapp, sms]
  message_id: $.data.sendMessage.id
  status: $.data.sendMessage.status
`
}

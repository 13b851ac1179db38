package shop

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Limits of the API.
const (
	maxIDs   = 100
	maxFirst = 250
	maxLimit = simhttp.MaxPerKey
)

var errUnknownField = errors.New("unknown field")

// query is the root object.
type query struct{ st *store }

func (q query) field(name string, args map[string]any) (any, error) {
	switch name {
	case "customers":
		ids, err := idList(args["ids"], "ids")
		if err != nil {
			return nil, err
		}
		out := make([]any, len(ids))
		for i, id := range ids {
			if c, ok := q.st.get(id); ok {
				out[i] = c
			}
		}
		return out, nil
	case "customer":
		id, err := str(args["id"])
		if err != nil {
			return nil, err
		}
		if c, ok := q.st.get(id); ok {
			return c, nil
		}
		return nil, nil
	case "customerList":
		return q.customerList(args)
	case "orders":
		return q.orders(args)
	case "__schema", "__type":
		return nil, errors.New("introspection is not supported")
	}
	return nil, errUnknownField
}

func (q query) customerList(args map[string]any) (any, error) {
	first, err := integer(args["first"])
	if err != nil || first < 0 || first > maxFirst {
		return nil, fmt.Errorf("first must be from 0 to %d", maxFirst)
	}
	var after int64
	if c, ok := args["after"].(string); ok && c != "" {
		if after, err = decodeCursor(c); err != nil {
			return nil, err
		}
	}
	nodes, more := q.st.page(first, after)
	p := pageObj{info: pageInfo{hasNext: more}}
	for _, c := range nodes {
		p.nodes = append(p.nodes, c)
	}
	if len(nodes) > 0 {
		end := encodeCursor(nodes[len(nodes)-1].num)
		p.info.endCursor = &end
	}
	return p, nil
}

func (q query) orders(args map[string]any) (any, error) {
	ids, err := idList(args["customerIds"], "customerIds")
	if err != nil {
		return nil, err
	}
	limit, err := integer(args["limitPerCustomer"])
	if err != nil || limit < 0 || limit > maxLimit {
		return nil, fmt.Errorf("limitPerCustomer must be from 0 to %d", maxLimit)
	}
	var w simhttp.Window
	if w.Since, err = dateTime(args["since"], "since"); err != nil {
		return nil, err
	}
	if w.Until, err = dateTime(args["until"], "until"); err != nil {
		return nil, err
	}
	out := []any{}
	for _, id := range simhttp.Dedupe(ids) {
		c, ok := q.st.get(id)
		if !ok {
			continue
		}
		for _, o := range c.ordersIn(w, limit) {
			out = append(out, orderObj{customerID: c.id, o: o})
		}
	}
	return out, nil
}

type customer struct {
	id, email, phone     string
	firstName, lastName  string
	createdAt, updatedAt string
	num                  int64
	address              *address
	orders               []population.Order // newest first
}

func (c *customer) field(name string, _ map[string]any) (any, error) {
	switch name {
	case "id":
		return c.id, nil
	case "email":
		return optional(c.email), nil
	case "phone":
		return optional(c.phone), nil
	case "firstName":
		return optional(c.firstName), nil
	case "lastName":
		return optional(c.lastName), nil
	case "defaultAddress":
		if c.address == nil {
			return nil, nil
		}
		return c.address, nil
	case "createdAt":
		return c.createdAt, nil
	case "updatedAt":
		return c.updatedAt, nil
	}
	return nil, errUnknownField
}

type address struct{ city, countryCode string }

func (a *address) field(name string, _ map[string]any) (any, error) {
	switch name {
	case "city":
		return optional(a.city), nil
	case "countryCode":
		return optional(a.countryCode), nil
	}
	return nil, errUnknownField
}

type pageObj struct {
	nodes []any
	info  pageInfo
}

func (p pageObj) field(name string, _ map[string]any) (any, error) {
	switch name {
	case "nodes":
		if p.nodes == nil {
			return []any{}, nil
		}
		return p.nodes, nil
	case "pageInfo":
		return p.info, nil
	}
	return nil, errUnknownField
}

type pageInfo struct {
	hasNext   bool
	endCursor *string
}

func (p pageInfo) field(name string, _ map[string]any) (any, error) {
	switch name {
	case "hasNextPage":
		return p.hasNext, nil
	case "endCursor":
		if p.endCursor == nil {
			return nil, nil
		}
		return *p.endCursor, nil
	}
	return nil, errUnknownField
}

type orderObj struct {
	customerID string
	o          population.Order
}

func (o orderObj) field(name string, _ map[string]any) (any, error) {
	switch name {
	case "id":
		return o.o.ID, nil
	case "customerId":
		return o.customerID, nil
	case "name":
		return o.o.Name, nil
	case "createdAt":
		return simhttp.RFC3339(o.o.CreatedAt), nil
	case "financialStatus":
		return o.o.FinancialStatus, nil
	case "totalPrice":
		return money{o.o.TotalCents}, nil
	case "lineItems":
		out := make([]any, len(o.o.Lines))
		for i, l := range o.o.Lines {
			out[i] = lineItem(l)
		}
		return out, nil
	}
	return nil, errUnknownField
}

type money struct{ cents int64 }

func (m money) field(name string, _ map[string]any) (any, error) {
	switch name {
	case "amount":
		return decimal(m.cents), nil
	case "currencyCode":
		return population.Currency, nil
	}
	return nil, errUnknownField
}

type lineItem population.Line

func (l lineItem) field(name string, _ map[string]any) (any, error) {
	switch name {
	case "sku":
		return optional(l.SKU), nil
	case "title":
		return l.Title, nil
	case "quantity":
		return l.Quantity, nil
	case "originalUnitPrice":
		return money{l.UnitCents}, nil
	}
	return nil, errUnknownField
}

// optional returns nil for "" (JSON null).
func optional(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// str reads an ID or String argument.
func str(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case int:
		return strconv.Itoa(x), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	}
	return "", errors.New("expected an ID")
}

// idList reads a [ID!]! argument of at most maxIDs ids.
func idList(v any, name string) ([]string, error) {
	items, ok := v.([]any)
	if !ok {
		if v == nil {
			return nil, fmt.Errorf("%s is required", name)
		}
		items = []any{v} // a single value coerces to a list
	}
	if len(items) > maxIDs {
		return nil, fmt.Errorf("%s: %d ids, at most %d", name, len(items), maxIDs)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, err := str(it)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// integer reads an Int argument.
func integer(v any) (int, error) {
	switch x := v.(type) {
	case int:
		return x, nil
	case int64:
		return int(x), nil
	case int32:
		return int(x), nil
	case float64:
		return int(x), nil
	case json.Number:
		n, err := x.Int64()
		return int(n), err
	case string:
		return strconv.Atoi(x)
	}
	return 0, errors.New("expected an Int")
}

// dateTime reads an optional DateTime argument; zero when absent.
func dateTime(v any, name string) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("%s must be an RFC 3339 DateTime", name)
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s must be an RFC 3339 DateTime", name)
	}
	return t, nil
}

func encodeCursor(num int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("customer:" + strconv.FormatInt(num, 10)))
}

func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	rest, ok := strings.CutPrefix(string(b), "customer:")
	if err != nil || !ok {
		return 0, errors.New("after must be an endCursor")
	}
	n, err := strconv.ParseInt(rest, 10, 64)
	if err != nil {
		return 0, errors.New("after must be an endCursor")
	}
	return n, nil
}

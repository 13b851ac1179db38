// Package graphql is the `graphql` connector kind: a GraphQL API described
// in configuration.
//
// Each capability is one GraphQL query (or mutation) document plus a
// jsonmap mapping of its response (paths start at the response:
// $.data.customers). Keys, window bounds, page size, cursor, identifiers
// and messages travel only as GraphQL variables ($keys, $since, $until,
// $limit, $cursor, ...), never spliced into the document. A batch goes
// through a list field such as `customers(ids: $keys)` (batch: list), or
// through aliases: the document's one field repeated per key, `k0:
// customer(id: $k0)` (batch: aliases, aliases.go). Lookup, erase and export
// are in privacy.go, send in actions.go. See docs/connectors.md for the
// full reference.
package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/httpauth"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// KindID is the kind's name in configuration.
const KindID = "graphql"

func init() {
	connectors.MustRegister(connectors.Kind{
		ID:  KindID,
		Doc: "GraphQL API described in configuration (queries with variables + JSONPath mapping)",
		New: func() connectors.Connector { return new(Connector) },
	})
}

// Variable names the connector supplies.
const (
	VarKeys   = "keys"   // [String]: the batch's keys
	VarSince  = "since"  // RFC 3339 string, null when the window has no lower bound
	VarUntil  = "until"  // RFC 3339 string, null when the window has no upper bound
	VarLimit  = "limit"  // Int: items per key (orders, interactions) or page size
	VarCursor = "cursor" // String: list_profiles cursor, null on the first page
)

// ProfilesQuery serves connectors.ProfileSource. Mapping paths start from the
// whole GraphQL response: records: $.data.customers.
type ProfilesQuery struct {
	// Query is the GraphQL document. With batch list it declares $keys:
	// [ID!]! (or [String!]!); with batch aliases it declares $key: ID! and
	// selects one field, and key may be left out (the alias names it).
	Query string `yaml:"query"`
	// Batch is list (default: one list variable, $keys) or aliases (the
	// field repeated per key: k0: customer(id: $k0) ...).
	Batch                  string `yaml:"batch" jsonschema:"enum=list,enum=aliases"`
	jsonmap.ProfileMapping `yaml:",inline"`
}

// ListProfilesQuery serves connectors.ProfileLister.
type ListProfilesQuery struct {
	// Query is the GraphQL document; it declares $cursor and $limit.
	Query                  string `yaml:"query"`
	jsonmap.ProfileMapping `yaml:",inline"`
	// NextCursor is the JSONPath of the next page's cursor
	// ($.data.customers.pageInfo.endCursor); empty or null ends the listing.
	NextCursor string `yaml:"next_cursor"`
	// HasNext is an optional JSONPath of a boolean
	// ($.data.customers.pageInfo.hasNextPage); false ends the listing, and
	// true with no next cursor fails it.
	HasNext string `yaml:"has_next"`
	// Total is an optional JSONPath of the number of records the whole
	// listing holds ($.data.customers.totalCount); a listing that ends with
	// fewer distinct records fails.
	Total string `yaml:"total"`
	// PageSize is the number of records asked per page ($limit), 1 to
	// 1000; default 100. A page shorter than that does not end the listing:
	// only a missing next cursor or has_next false does.
	PageSize int `yaml:"page_size" jsonschema:"minimum=1,maximum=1000"`
}

// OrdersQuery serves connectors.OrderSource.
type OrdersQuery struct {
	// Query is the GraphQL document; it declares $keys (batch list) or
	// $key (batch aliases) and may use $since, $until and $limit.
	Query string `yaml:"query"`
	// Batch is list (default) or aliases; with aliases, customer_key may be
	// left out (the alias names the key).
	Batch                string `yaml:"batch" jsonschema:"enum=list,enum=aliases"`
	jsonmap.OrderMapping `yaml:",inline"`
}

// InteractionsQuery serves connectors.InteractionSource.
type InteractionsQuery struct {
	// Query is the GraphQL document; it declares $keys (batch list) or
	// $key (batch aliases) and may use $since, $until and $limit.
	Query string `yaml:"query"`
	// Batch is list (default) or aliases; with aliases, customer_key may be
	// left out (the alias names the key).
	Batch                      string `yaml:"batch" jsonschema:"enum=list,enum=aliases"`
	jsonmap.InteractionMapping `yaml:",inline"`
}

// Config is the configuration of a graphql instance.
type Config struct {
	// Endpoint is the absolute http(s) URL queries are POSTed to. Required.
	Endpoint string `yaml:"endpoint"`
	// Auth authenticates every request.
	Auth httpauth.Config `yaml:"auth"`
	// Headers are sent with every request; values are secrets.
	Headers map[string]connectors.Secret `yaml:"headers"`
	// MaxResponseBytes caps a response body (default 32 MiB).
	MaxResponseBytes int64 `yaml:"max_response_bytes"`

	// Profiles reads profile records by native key.
	Profiles *ProfilesQuery `yaml:"profiles"`
	// ListProfiles pages through every profile record.
	ListProfiles *ListProfilesQuery `yaml:"list_profiles"`
	// Orders reads orders by the customer's native key.
	Orders *OrdersQuery `yaml:"orders"`
	// Interactions reads interactions by the customer's native key.
	Interactions *InteractionsQuery `yaml:"interactions"`
	// Lookup finds profile records by identifier (see LookupQuery).
	Lookup *LookupQuery `yaml:"lookup"`
	// Erase erases customers' records with a mutation, for privacy
	// (erasure) requests (see EraseMutation).
	Erase *EraseMutation `yaml:"erase"`
	// Export reads everything held about customers, for privacy (export)
	// requests (see ExportQuery).
	Export *ExportQuery `yaml:"export"`
	// Send sends messages to customers with a mutation (see SendMutation).
	Send *SendMutation `yaml:"send"`
}

// Connector is a graphql instance.
type Connector struct {
	Config `yaml:",inline"`

	client       *http.Client
	log          *slog.Logger
	desc         string
	profiles     *operation
	pm           *jsonmap.Profiles
	prd          *jsonmap.Reader[connectors.Profile]
	list         *operation
	lm           *jsonmap.Profiles
	lrd          *jsonmap.Reader[connectors.Profile] // also reads next, hasNext and total
	next         jsonmap.Value
	hasNext      jsonmap.Value
	total        jsonmap.Value
	orders       *operation
	om           *jsonmap.Orders
	ord          *jsonmap.Reader[connectors.Order]
	interactions *operation
	im           *jsonmap.Interactions
	ird          *jsonmap.Reader[connectors.Interaction]

	// The aliases-style forms of profiles, orders and interactions (the
	// operation above is then nil).
	profilesA, ordersA, interactionsA *aliased

	lookup *lookupOp
	erase  *eraseOp
	export *exportOp
	send   *sendOp
}

var (
	_ connectors.ProfileSource      = (*Connector)(nil)
	_ connectors.ProfileLister      = (*Connector)(nil)
	_ connectors.ListPageSizer      = (*Connector)(nil)
	_ connectors.OrderSource        = (*Connector)(nil)
	_ connectors.InteractionSource  = (*Connector)(nil)
	_ connectors.ProfileFinder      = (*Connector)(nil)
	_ connectors.Eraser             = (*Connector)(nil)
	_ connectors.Exporter           = (*Connector)(nil)
	_ connectors.MessageSender      = (*Connector)(nil)
	_ connectors.ChannelSender      = (*Connector)(nil)
	_ connectors.CapabilityReporter = (*Connector)(nil)
	_ connectors.Provisioner        = (*Connector)(nil)
	_ connectors.Validator          = (*Connector)(nil)
)

// operation is a parsed query document.
type operation struct {
	key   string // config key, for errors
	src   string
	name  string          // operation name, "" when anonymous
	vars  map[string]bool // declared variables
	label string          // for error messages: "query GetCustomers"
}

// Capabilities reports the capabilities whose query is configured.
func (c *Connector) Capabilities() []connectors.Capability {
	var caps []connectors.Capability
	if c.Config.Profiles != nil {
		caps = append(caps, connectors.CapProfiles)
	}
	if c.Config.ListProfiles != nil {
		caps = append(caps, connectors.CapListProfiles)
	}
	if c.Config.Orders != nil {
		caps = append(caps, connectors.CapOrders)
	}
	if c.Config.Interactions != nil {
		caps = append(caps, connectors.CapInteractions)
	}
	if c.Config.Lookup != nil {
		caps = append(caps, connectors.CapLookup)
	}
	if c.Config.Erase != nil {
		caps = append(caps, connectors.CapErase)
	}
	if c.Config.Export != nil {
		caps = append(caps, connectors.CapExport)
	}
	if c.Config.Send != nil {
		caps = append(caps, connectors.CapSend)
	}
	return caps
}

// Validate checks the configuration that needs no compiling.
func (c *Connector) Validate() error {
	if c.Endpoint == "" {
		return connectors.Invalid("endpoint", "required")
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return connectors.Invalid("endpoint", "must be an absolute http or https URL")
	}
	if u.User != nil {
		return connectors.Invalid("endpoint", "must not carry credentials; use auth")
	}
	if err := c.Auth.ValidateAt("auth"); err != nil {
		return err
	}
	for name := range c.Headers {
		if !httpauth.ValidHeaderName(name) {
			return connectors.Invalid("headers."+name, "not a valid header name")
		}
	}
	if c.MaxResponseBytes < 0 {
		return connectors.Invalid("max_response_bytes", "must not be negative")
	}
	if len(c.Capabilities()) == 0 {
		return connectors.Invalid("", "configure at least one query (profiles, list_profiles, orders, interactions, lookup, erase, export, send)")
	}
	if q := c.Config.ListProfiles; q != nil {
		if err := connectors.CheckPageSize("list_profiles.page_size", q.PageSize); err != nil {
			return err
		}
	}
	return nil
}

// Provision parses the queries and compiles the mappings.
func (c *Connector) Provision(_ context.Context, env connectors.Env) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c.client = env.HTTPClient
	if c.client == nil {
		c.client = &http.Client{}
	}
	c.log = env.Logger
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = httpauth.DefaultMaxResponseBytes
	}
	u, _ := url.Parse(c.Endpoint)
	c.desc = "POST " + u.EscapedPath()
	var err error
	if q := c.Config.Profiles; q != nil {
		if c.profiles, c.profilesA, err = parseKeyed("profiles", "query", q.Query, q.Batch, ast.Query, nil); err != nil {
			return err
		}
		if c.pm, err = q.Compile("profiles"); err != nil {
			return err
		}
		if c.profiles != nil && !c.pm.HasKey() {
			return connectors.Invalid("profiles.key", "required with batch list (results are matched to keys by it)")
		}
		c.prd = c.pm.Reader(resultProbes...)
	}
	if q := c.Config.ListProfiles; q != nil {
		if c.list, err = parseOperation("list_profiles.query", q.Query, []string{VarCursor, VarLimit}, []string{VarCursor, VarLimit}); err != nil {
			return err
		}
		if c.lm, err = q.Compile("list_profiles"); err != nil {
			return err
		}
		if !c.lm.HasKey() {
			return connectors.Invalid("list_profiles.key", "required")
		}
		if q.NextCursor == "" {
			return connectors.Invalid("list_profiles.next_cursor", "required")
		}
		if c.next, err = jsonmap.CompilePath("list_profiles.next_cursor", q.NextCursor); err != nil {
			return err
		}
		if c.hasNext, err = jsonmap.CompilePath("list_profiles.has_next", q.HasNext); err != nil {
			return err
		}
		if c.total, err = jsonmap.CompilePath("list_profiles.total", q.Total); err != nil {
			return err
		}
		probes := append(slices.Clone(resultProbes), c.next)
		for _, v := range []jsonmap.Value{c.hasNext, c.total} {
			if v.IsSet() {
				probes = append(probes, v)
			}
		}
		c.lrd = c.lm.Reader(probes...)
	}
	windowVars := []string{VarSince, VarUntil, VarLimit}
	if q := c.Config.Orders; q != nil {
		if c.orders, c.ordersA, err = parseKeyed("orders", "query", q.Query, q.Batch, ast.Query, windowVars); err != nil {
			return err
		}
		if c.om, err = q.Compile("orders"); err != nil {
			return err
		}
		if c.orders != nil && !c.om.HasCustomerKey() {
			return connectors.Invalid("orders.customer_key", "required with batch list (results are matched to keys by it)")
		}
		c.ord = c.om.Reader(resultProbes...)
	}
	if q := c.Config.Interactions; q != nil {
		if c.interactions, c.interactionsA, err = parseKeyed("interactions", "query", q.Query, q.Batch, ast.Query, windowVars); err != nil {
			return err
		}
		if c.im, err = q.Compile("interactions"); err != nil {
			return err
		}
		if c.interactions != nil && !c.im.HasCustomerKey() {
			return connectors.Invalid("interactions.customer_key", "required with batch list (results are matched to keys by it)")
		}
		c.ird = c.im.Reader(resultProbes...)
	}
	return c.provisionMore()
}

// parseOperation parses a query document with exactly one query operation,
// whose variables are among allowed and include required.
func parseOperation(key, src string, allowed, required []string) (*operation, error) {
	op, _, err := parseOp(key, src, ast.Query, allowed, required)
	return op, err
}

// parseOp parses a document with exactly one operation of type opType,
// whose variables are among allowed and include required.
func parseOp(key, src string, opType ast.Operation, allowed, required []string) (*operation, *ast.QueryDocument, error) {
	if strings.TrimSpace(src) == "" {
		return nil, nil, connectors.Invalid(key, "required")
	}
	doc, err := parser.ParseQuery(&ast.Source{Name: key, Input: src})
	if err != nil {
		return nil, nil, connectors.Invalid(key, "invalid GraphQL: %s", gqlReason(err))
	}
	if len(doc.Operations) != 1 {
		return nil, nil, connectors.Invalid(key, "must hold exactly one operation, has %d", len(doc.Operations))
	}
	op := doc.Operations[0]
	if op.Operation != opType {
		return nil, nil, connectors.Invalid(key, "must be a %s, not a %s", opType, op.Operation)
	}
	out := &operation{key: key, src: src, name: op.Name, vars: map[string]bool{}}
	out.label = string(opType)
	if op.Name != "" {
		out.label += " " + op.Name
	}
	for _, v := range op.VariableDefinitions {
		at := ""
		if v.Position != nil {
			at = fmt.Sprintf(" (line %d of the %s)", v.Position.Line, opType)
		}
		if !slices.Contains(allowed, v.Variable) {
			return nil, nil, connectors.Invalid(key, "declares variable $%s%s; this %s may declare %s", v.Variable, at, opType, varList(allowed))
		}
		switch v.Variable {
		case VarSince, VarUntil, VarCursor:
			if v.Type.NonNull && v.DefaultValue == nil {
				return nil, nil, connectors.Invalid(key, "variable $%s%s must be nullable (it is null when unset); declare it as %s", v.Variable, at, v.Type.Name())
			}
		case VarKeys, VarMessages, VarEmails, VarPhones, VarWhatsApps, VarLoyaltyCards, VarSocialHandles:
			if v.Type.Elem == nil {
				return nil, nil, connectors.Invalid(key, "variable $%s%s must be a list, e.g. [ID!]!", v.Variable, at)
			}
		}
		out.vars[v.Variable] = true
	}
	for _, r := range required {
		if !out.vars[r] {
			return nil, nil, connectors.Invalid(key, "must declare $%s", r)
		}
	}
	return out, doc, nil
}

func varList(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "$" + n
	}
	return strings.Join(out, ", ")
}

func gqlReason(err error) string {
	var ge *gqlerror.Error
	if errors.As(err, &ge) {
		if len(ge.Locations) > 0 {
			return fmt.Sprintf("line %d, column %d of the query: %s", ge.Locations[0].Line, ge.Locations[0].Column, ge.Message)
		}
		return ge.Message
	}
	return err.Error()
}

// Close releases nothing: the HTTP client is the gateway's.
func (c *Connector) Close() error { return nil }

// variables are the values a call supplies; only the declared ones are
// sent.
type variables struct {
	keys         []string
	since, until time.Time
	limit        int
	cursor       string
	ids          map[string][]string // lookup: identifier values by variable name
	messages     []any               // send, list style: the message objects
}

func (op *operation) variables(v variables) map[string]any {
	out := map[string]any{}
	optTime := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	for name := range op.vars {
		switch name {
		case VarKeys:
			out[name] = v.keys
		case VarSince:
			out[name] = optTime(v.since)
		case VarUntil:
			out[name] = optTime(v.until)
		case VarLimit:
			out[name] = v.limit
		case VarCursor:
			if v.cursor == "" {
				out[name] = nil
			} else {
				out[name] = v.cursor
			}
		case VarMessages:
			out[name] = v.messages
		case VarEmails, VarPhones, VarWhatsApps, VarLoyaltyCards, VarSocialHandles:
			list := v.ids[name]
			if list == nil {
				list = []string{}
			}
			out[name] = list
		}
	}
	return out
}

// resultProbes are the members of a GraphQL response that the connector
// reads beside the records: errors and data (see judge).
var resultProbes = []jsonmap.Value{jsonmap.MustCompile("$.errors"), jsonmap.MustCompile("$.data")}

// executeRead posts op and maps its answer with rd, a reader probing
// resultProbes: errors beside data are judged first (logged and tolerated
// as a partial result, see judge), then the records are mapped. resp holds
// the nodes rd probes; the mappings' paths start from the whole response:
// records: $.data.customers.
func executeRead[T any](ctx context.Context, c *Connector, op *operation, v variables, rd *jsonmap.Reader[T]) (resp map[string]any, list []T, err error) {
	desc := c.desc + " (" + op.label + ")"
	body, err := c.post(ctx, op, op.src, op.variables(v))
	if err != nil {
		return nil, nil, err
	}
	// The body's buffer is pooled: the reader copies what it keeps, and the
	// buffer is zeroed when released.
	defer body.Release()
	doc, list, mapErr := rd.Read(body.Bytes())
	if errors.Is(mapErr, jsonmap.ErrNotJSON) {
		return nil, nil, connectors.Errorf(connectors.CodeBadResponse, "%s: response is not JSON", desc)
	}
	resp, ok := doc.(map[string]any)
	if !ok {
		return nil, nil, connectors.Errorf(connectors.CodeBadResponse, "%s: response is not a GraphQL result", desc)
	}
	errs, _ := resp["errors"].([]any)
	if _, err := c.judge(op, resp, errs, false); err != nil {
		return nil, nil, err
	}
	if mapErr != nil {
		return nil, nil, mapped(c, op, mapErr)
	}
	return resp, list, nil
}

// request posts src with vars and returns the decoded response and its
// GraphQL errors.
func (c *Connector) request(ctx context.Context, op *operation, src string, vars map[string]any) (map[string]any, []any, error) {
	desc := c.desc + " (" + op.label + ")"
	body, err := c.post(ctx, op, src, vars)
	if err != nil {
		return nil, nil, err
	}
	defer body.Release()
	doc, err := jsonmap.DecodeBytes(body.Bytes())
	if err != nil {
		return nil, nil, connectors.Errorf(connectors.CodeBadResponse, "%s: response is not JSON", desc)
	}
	resp, ok := doc.(map[string]any)
	if !ok {
		return nil, nil, connectors.Errorf(connectors.CodeBadResponse, "%s: response is not a GraphQL result", desc)
	}
	errs, _ := resp["errors"].([]any)
	return resp, errs, nil
}

// post posts src with vars and returns the answer's body, in a pooled
// buffer the caller releases.
func (c *Connector) post(ctx context.Context, op *operation, src string, vars map[string]any) (*httpauth.Buffer, error) {
	desc := c.desc + " (" + op.label + ")"
	payload := map[string]any{"query": src, "variables": vars}
	if op.name != "" {
		payload["operationName"] = op.name
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, connectors.Errorf(connectors.CodeInternal, "%s: cannot encode the variables", desc)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, connectors.Errorf(connectors.CodeInternal, "%s: cannot build the request", desc)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/graphql-response+json, application/json")
	for name, val := range c.Headers {
		req.Header.Set(name, val.Reveal())
	}
	if err := c.Auth.Authorize(ctx, c.client, req); err != nil {
		return nil, err
	}
	status, _, raw, err := httpauth.DoBuffered(ctx, c.client, req, desc, c.MaxResponseBytes)
	c.Auth.Observe(status)
	if err != nil {
		return nil, err
	}
	return raw, nil
}

// judge decides what errors beside a response mean: with strict (a
// mutation, an export) any error fails the call; otherwise errors beside
// data are a partial result, logged by count.
func (c *Connector) judge(op *operation, resp map[string]any, errs []any, strict bool) (map[string]any, error) {
	desc := c.desc + " (" + op.label + ")"
	data := resp["data"]
	if len(errs) > 0 {
		code, what := classifyErrors(errs)
		if strict || data == nil || code == connectors.CodeRateLimited || code == connectors.CodeUnauthorized {
			// Error messages may quote data: name only their count and codes.
			return nil, connectors.Errorf(code, "%s: %d GraphQL errors%s", desc, len(errs), what)
		}
		c.log.Warn("partial GraphQL result", "operation", op.label, "errors", len(errs))
	}
	if data == nil {
		return nil, connectors.Errorf(connectors.CodeBadResponse, "%s: response has no data", desc)
	}
	return resp, nil
}

// classifyErrors reads the extensions.code of GraphQL errors: throttling
// and authentication codes keep their meaning; anything else is a bad
// response.
func classifyErrors(errs []any) (connectors.Code, string) {
	code := connectors.CodeBadResponse
	var codes []string
	for _, e := range errs {
		m, _ := e.(map[string]any)
		ext, _ := m["extensions"].(map[string]any)
		s, _ := ext["code"].(string)
		if s == "" || len(s) > 40 || strings.Trim(strings.ToUpper(s), "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			continue
		}
		s = strings.ToUpper(s)
		if !slices.Contains(codes, s) {
			codes = append(codes, s)
		}
		switch s {
		case "THROTTLED", "RATE_LIMITED", "TOO_MANY_REQUESTS", "MAX_COST_EXCEEDED":
			code = connectors.CodeRateLimited
		case "UNAUTHENTICATED", "UNAUTHORIZED", "FORBIDDEN", "ACCESS_DENIED":
			if code != connectors.CodeRateLimited {
				code = connectors.CodeUnauthorized
			}
		}
	}
	if len(codes) == 0 {
		return code, ""
	}
	return code, " (" + strings.Join(codes, ", ") + ")"
}

func unconfigured(cp connectors.Capability) error {
	return connectors.Errorf(connectors.CodeInternal, "graphql connector has no %s query configured", cp)
}

func mapped(c *Connector, op *operation, err error) error {
	ce := connectors.Classify(err)
	return connectors.Errorf(ce.Code, "%s (%s): %w", c.desc, op.label, ce.Err)
}

// Profiles implements connectors.ProfileSource.
func (c *Connector) Profiles(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	if c.profiles == nil && c.profilesA == nil {
		return nil, unconfigured(connectors.CapProfiles)
	}
	if len(keys) == 0 {
		return []*connectors.Profile{}, nil
	}
	if c.profilesA != nil {
		return c.profilesAliased(ctx, keys)
	}
	_, list, err := executeRead(ctx, c, c.profiles, variables{keys: keys}, c.prd)
	if err != nil {
		return nil, err
	}
	return jsonmap.AlignProfiles(keys, list), nil
}

// ListPageSize implements connectors.ListPageSizer: list_profiles.page_size.
func (c *Connector) ListPageSize() int {
	if q := c.Config.ListProfiles; q != nil && q.PageSize > 0 {
		return q.PageSize
	}
	return connectors.DefaultListPageSize
}

// ListProfiles implements connectors.ProfileLister. The listing ends where
// the API says: no next cursor, or has_next false; never on a short page.
func (c *Connector) ListProfiles(ctx context.Context, cursor string, limit int) (connectors.ProfilePage, error) {
	if c.list == nil {
		return connectors.ProfilePage{}, unconfigured(connectors.CapListProfiles)
	}
	if limit <= 0 {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "list_profiles: limit must be positive")
	}
	data, list, err := executeRead(ctx, c, c.list, variables{cursor: cursor, limit: limit}, c.lrd)
	if err != nil {
		return connectors.ProfilePage{}, err
	}
	if len(list) > limit {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse,
			"%s (%s): %d records for a limit of %d (does the query pass $limit?)", c.desc, c.list.label, len(list), limit)
	}
	total, _, err := c.total.Count(data)
	if err != nil {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): total: %v", c.desc, c.list.label, err)
	}
	page := connectors.ProfilePage{Profiles: list, Total: total}
	more, saidMore := true, false
	if c.hasNext.IsSet() {
		b, ok, err := c.hasNext.Bool(data)
		if err != nil {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): has_next: %v", c.desc, c.list.label, err)
		}
		if ok {
			more, saidMore = b, b
		}
	}
	next, _, err := c.next.Text(data)
	if err != nil {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): next_cursor: %v", c.desc, c.list.label, err)
	}
	if saidMore && next == "" {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): has_next is true but there is no next cursor", c.desc, c.list.label)
	}
	if more && next != "" {
		if next == cursor {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): next cursor equals the current one", c.desc, c.list.label)
		}
		page.Next = next
	}
	return page, nil
}

// Orders implements connectors.OrderSource.
func (c *Connector) Orders(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	if c.orders == nil && c.ordersA == nil {
		return nil, unconfigured(connectors.CapOrders)
	}
	if len(keys) == 0 {
		return [][]connectors.Order{}, nil
	}
	if c.ordersA != nil {
		return windowedAliased(ctx, c, c.ordersA, keys, w, c.om.Map, c.om.HasCustomerKey(), jsonmap.AlignOrders,
			func(o *connectors.Order, key string) { o.CustomerKey = key })
	}
	_, list, err := executeRead(ctx, c, c.orders, variables{keys: keys, since: w.Since, until: w.Until, limit: w.Limit}, c.ord)
	if err != nil {
		return nil, err
	}
	return jsonmap.AlignOrders(keys, list, w), nil
}

// Interactions implements connectors.InteractionSource.
func (c *Connector) Interactions(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Interaction, error) {
	if c.interactions == nil && c.interactionsA == nil {
		return nil, unconfigured(connectors.CapInteractions)
	}
	if len(keys) == 0 {
		return [][]connectors.Interaction{}, nil
	}
	if c.interactionsA != nil {
		return windowedAliased(ctx, c, c.interactionsA, keys, w, c.im.Map, c.im.HasCustomerKey(), jsonmap.AlignInteractions,
			func(it *connectors.Interaction, key string) { it.CustomerKey = key })
	}
	_, list, err := executeRead(ctx, c, c.interactions, variables{keys: keys, since: w.Since, until: w.Until, limit: w.Limit}, c.ird)
	if err != nil {
		return nil, err
	}
	return jsonmap.AlignInteractions(keys, list, w), nil
}

// Format implements fmt.Formatter: every verb prints the same short
// description, without credentials or the HTTP client's internals.
func (c *Connector) Format(f fmt.State, _ rune) {
	auth := c.Auth.Type
	if auth == "" {
		auth = httpauth.TypeNone
	}
	endpoint := "(invalid URL)"
	if u, err := url.Parse(c.Endpoint); err == nil {
		endpoint = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	}
	_, _ = fmt.Fprintf(f, "graphql connector{endpoint: %s, auth: %s, capabilities: %v}", endpoint, auth, c.Capabilities())
}

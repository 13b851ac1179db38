// Package rest is the `rest` connector kind: any JSON-over-HTTP API,
// described entirely in configuration.
//
// Each capability is one endpoint (method, path, query and body templates)
// plus a jsonmap mapping from its response to the SDK's records. An endpoint
// present in the configuration is a capability the instance serves. See
// docs/connectors.md for the full reference.
package rest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/httpauth"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// KindID is the kind's name in configuration.
const KindID = "rest"

func init() {
	connectors.MustRegister(connectors.Kind{
		ID:  KindID,
		Doc: "JSON-over-HTTP API described in configuration (templates + JSONPath mapping)",
		New: func() connectors.Connector { return new(Connector) },
	})
}

// DefaultMaxConcurrency bounds the requests in flight for one call of a
// per_key endpoint when max_concurrency is unset.
const DefaultMaxConcurrency = 4

// Request is the request side of an endpoint. Path, each query value and
// Body are text/template templates over TemplateData.
type Request struct {
	// Method is GET or POST; POST by default when Body is set, else GET.
	Method string `yaml:"method"`
	// Path is appended to base_url ("/crm/v3/objects/contacts/batch/read").
	Path string `yaml:"path"`
	// Query maps parameter names to templates; parameters that render ""
	// are left out.
	Query map[string]string `yaml:"query"`
	// Body is the request body template, sent as application/json unless a
	// Content-Type header is configured.
	Body string `yaml:"body"`
}

// ProfilesEndpoint serves connectors.ProfileSource.
type ProfilesEndpoint struct {
	Request `yaml:",inline"`
	// PerKey makes one request per key (path like /contacts/{{.Key}}); a
	// 404 answer is "not found". Otherwise one request carries all keys.
	PerKey                 bool `yaml:"per_key"`
	jsonmap.ProfileMapping `yaml:",inline"`
}

// Pagination says how list_profiles pages. A page shorter than asked is
// never the end of a listing (APIs cap their pages): the end is an empty
// page (page and offset styles), no next cursor or link (cursor and link
// styles), has_more false, or the reported total reached.
type Pagination struct {
	// Style is cursor, page, offset or link (the next page's URL in the
	// response's Link header, rel="next", as GitHub and Shopify send it).
	Style string `yaml:"style" jsonschema:"enum=cursor,enum=page,enum=offset,enum=link"`
	// Next is the JSONPath of the next page's cursor in a response (cursor
	// style); empty or absent means the last page.
	Next string `yaml:"next"`
	// HasMore is an optional JSONPath of a boolean: false means the last
	// page; true with no next cursor or link fails the listing.
	HasMore string `yaml:"has_more"`
	// Total is an optional JSONPath of the number of records the whole
	// listing holds ($.meta.total). Page and offset styles stop once that
	// many are read, sparing the request for an empty page; a listing
	// that ends with fewer distinct records than the total fails.
	Total string `yaml:"total"`
}

// Pagination styles.
const (
	PageCursor = "cursor" // the response names the next page's cursor
	PageNumber = "page"   // pages numbered from 1; cursor is the number
	PageOffset = "offset" // cursor is the offset of the first record
	PageLink   = "link"   // the Link header's rel="next" URL; cursor is that URL
)

// ListProfilesEndpoint serves connectors.ProfileLister.
type ListProfilesEndpoint struct {
	Request                `yaml:",inline"`
	jsonmap.ProfileMapping `yaml:",inline"`
	Pagination             Pagination `yaml:"pagination"`
	// PageSize is the number of records asked per page ({{.Limit}}), 1 to
	// 1000; default 100. An API that serves fewer per page is read to the
	// end all the same (see Pagination).
	PageSize int `yaml:"page_size" jsonschema:"minimum=1,maximum=1000"`
}

// OrdersEndpoint serves connectors.OrderSource.
type OrdersEndpoint struct {
	Request `yaml:",inline"`
	// PerKey makes one request per key ({{.Key}} in the path or body)
	// instead of one per batch.
	PerKey               bool `yaml:"per_key"`
	jsonmap.OrderMapping `yaml:",inline"`
}

// InteractionsEndpoint serves connectors.InteractionSource.
type InteractionsEndpoint struct {
	Request `yaml:",inline"`
	// PerKey makes one request per key ({{.Key}} in the path or body)
	// instead of one per batch.
	PerKey                     bool `yaml:"per_key"`
	jsonmap.InteractionMapping `yaml:",inline"`
}

// LookupEndpoint serves connectors.ProfileFinder: a search by identifier.
// One request carries every identifier of the kinds it can search.
type LookupEndpoint struct {
	Request `yaml:",inline"`
	// Kinds lists the identifier kinds the endpoint can search (email,
	// phone, whatsapp, loyalty_card, social_handle); identifiers of other
	// kinds are not sent. Required.
	Kinds                  []string `yaml:"kinds" jsonschema_extras:"x-choices=identifier_kind"`
	jsonmap.ProfileMapping `yaml:",inline"`
}

// Config is the configuration of a rest instance.
type Config struct {
	// BaseURL is the absolute http(s) URL the endpoint paths are appended
	// to. Required.
	BaseURL string `yaml:"base_url"`
	// Auth authenticates every request.
	Auth httpauth.Config `yaml:"auth"`
	// Headers are sent with every request. Values are secrets (redacted
	// when printed) since they often carry keys.
	Headers map[string]connectors.Secret `yaml:"headers"`
	// MaxConcurrency bounds the requests in flight for one call of a per_key
	// endpoint (default 4).
	MaxConcurrency int `yaml:"max_concurrency"`
	// MaxResponseBytes caps a response body (default 32 MiB).
	MaxResponseBytes int64 `yaml:"max_response_bytes"`

	Profiles     *ProfilesEndpoint     `yaml:"profiles"`
	ListProfiles *ListProfilesEndpoint `yaml:"list_profiles"`
	Orders       *OrdersEndpoint       `yaml:"orders"`
	Interactions *InteractionsEndpoint `yaml:"interactions"`
	Lookup       *LookupEndpoint       `yaml:"lookup"`
	// Erase deletes customers' records for privacy (erasure) requests.
	Erase *EraseEndpoint `yaml:"erase"`
	// Export reads everything held about customers for privacy (export)
	// requests.
	Export *ExportEndpoint `yaml:"export"`
	// Events maps the system's webhook deliveries (see EventsBlock).
	Events *EventsBlock `yaml:"events"`
	// Send sends messages to customers (see SendEndpoint).
	Send *SendEndpoint `yaml:"send"`
	// Messages reads the messages of conversations (see MessagesEndpoint).
	Messages *MessagesEndpoint `yaml:"messages"`
}

// Connector is a rest instance: its configuration and what Provision
// compiled from it.
type Connector struct {
	Config `yaml:",inline"`

	client       *http.Client
	base         *url.URL
	profiles     *profilesEP
	listProfiles *listEP
	orders       *windowedEP[connectors.Order]
	interactions *windowedEP[connectors.Interaction]
	lookup       *lookupEP
	erase        *eraseEP
	export       *exportEP
	events       *jsonmap.Events
	send         *sendEP
	messages     *messagesEP
}

type profilesEP struct {
	req    *request
	perKey bool
	m      *jsonmap.Profiles
	rd     *jsonmap.Reader[connectors.Profile]
}

type lookupEP struct {
	req   *request
	kinds []string
	rd    *jsonmap.Reader[connectors.Profile]
}

type listEP struct {
	req     *request
	rd      *jsonmap.Reader[connectors.Profile] // probes next, hasMore and total
	style   string
	next    jsonmap.Value
	hasMore jsonmap.Value
	total   jsonmap.Value
	// changes is set when the request uses {{.Since}}: the endpoint can
	// list only the records changed since a time (connectors.ChangeLister).
	changes bool
}

var (
	_ connectors.ProfileSource      = (*Connector)(nil)
	_ connectors.ProfileLister      = (*Connector)(nil)
	_ connectors.ListPageSizer      = (*Connector)(nil)
	_ connectors.ChangeLister       = (*Connector)(nil)
	_ connectors.OrderSource        = (*Connector)(nil)
	_ connectors.InteractionSource  = (*Connector)(nil)
	_ connectors.ProfileFinder      = (*Connector)(nil)
	_ connectors.EventParser        = (*Connector)(nil)
	_ connectors.CapabilityReporter = (*Connector)(nil)
	_ connectors.Provisioner        = (*Connector)(nil)
	_ connectors.Validator          = (*Connector)(nil)
)

// Capabilities reports the capabilities whose endpoint is configured.
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
	if c.Lookup != nil {
		caps = append(caps, connectors.CapLookup)
	}
	if c.Config.Erase != nil {
		caps = append(caps, connectors.CapErase)
	}
	if c.Config.Export != nil {
		caps = append(caps, connectors.CapExport)
	}
	if c.Events != nil {
		caps = append(caps, connectors.CapEvents)
	}
	if c.Send != nil {
		caps = append(caps, connectors.CapSend)
	}
	if c.Config.Messages != nil {
		caps = append(caps, connectors.CapMessages)
	}
	return caps
}

// Validate checks the configuration that does not need compiling.
func (c *Connector) Validate() error {
	if c.BaseURL == "" {
		return connectors.Invalid("base_url", "required")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return connectors.Invalid("base_url", "must be an absolute http or https URL")
	}
	if u.User != nil {
		return connectors.Invalid("base_url", "must not carry credentials; use auth")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return connectors.Invalid("base_url", "must not have a query or fragment; use the endpoints' query")
	}
	if err := c.Auth.ValidateAt("auth"); err != nil {
		return err
	}
	for name := range c.Headers {
		if !httpauth.ValidHeaderName(name) {
			return connectors.Invalid("headers."+name, "not a valid header name")
		}
	}
	if c.MaxConcurrency < 0 {
		return connectors.Invalid("max_concurrency", "must not be negative")
	}
	if c.MaxResponseBytes < 0 {
		return connectors.Invalid("max_response_bytes", "must not be negative")
	}
	if len(c.Capabilities()) == 0 {
		return connectors.Invalid("", "configure at least one endpoint (profiles, list_profiles, orders, interactions, lookup) or events")
	}
	if e := c.Config.ListProfiles; e != nil {
		if err := connectors.CheckPageSize("list_profiles.page_size", e.PageSize); err != nil {
			return err
		}
	}
	if e := c.Lookup; e != nil {
		if len(e.Kinds) == 0 {
			return connectors.Invalid("lookup.kinds", "required: the identifier kinds the endpoint can search (%s)", strings.Join(lookupKinds, ", "))
		}
		for i, k := range e.Kinds {
			if !slices.Contains(lookupKinds, k) {
				return connectors.Invalid(fmt.Sprintf("lookup.kinds[%d]", i), "must be one of %s", strings.Join(lookupKinds, ", "))
			}
			if slices.Index(e.Kinds, k) < i {
				return connectors.Invalid(fmt.Sprintf("lookup.kinds[%d]", i), "repeats %s", k)
			}
		}
	}
	return nil
}

// Provision checks the configuration and compiles templates and mappings.
func (c *Connector) Provision(_ context.Context, env connectors.Env) error {
	if err := c.Validate(); err != nil {
		return err
	}
	c.base, _ = url.Parse(c.BaseURL)
	c.client = env.HTTPClient
	if c.client == nil {
		c.client = &http.Client{}
	}
	if c.MaxConcurrency == 0 {
		c.MaxConcurrency = DefaultMaxConcurrency
	}
	if c.MaxResponseBytes == 0 {
		c.MaxResponseBytes = httpauth.DefaultMaxResponseBytes
	}
	if e := c.Config.Profiles; e != nil {
		req, err := c.compileRequest("profiles", e.Request, e.PerKey)
		if err != nil {
			return err
		}
		m, err := e.Compile("profiles")
		if err != nil {
			return err
		}
		if !e.PerKey && !m.HasKey() {
			return connectors.Invalid("profiles.key", "required for batch endpoints (results are matched to keys by it)")
		}
		c.profiles = &profilesEP{req: req, perKey: e.PerKey, m: m, rd: m.Reader()}
	}
	if e := c.Config.ListProfiles; e != nil {
		req, err := c.compileRequest("list_profiles", e.Request, false)
		if err != nil {
			return err
		}
		m, err := e.Compile("list_profiles")
		if err != nil {
			return err
		}
		if !m.HasKey() {
			return connectors.Invalid("list_profiles.key", "required")
		}
		ep := &listEP{req: req, style: e.Pagination.Style}
		switch e.Pagination.Style {
		case PageCursor:
			if e.Pagination.Next == "" {
				return connectors.Invalid("list_profiles.pagination.next", "required for style cursor")
			}
		case PageNumber, PageOffset, PageLink:
			if e.Pagination.Next != "" {
				return connectors.Invalid("list_profiles.pagination.next", "only used by style cursor")
			}
		case "":
			return connectors.Invalid("list_profiles.pagination.style", "required: cursor, page, offset or link")
		default:
			return connectors.Invalid("list_profiles.pagination.style", "must be cursor, page, offset or link")
		}
		if ep.next, err = jsonmap.CompilePath("list_profiles.pagination.next", e.Pagination.Next); err != nil {
			return err
		}
		if ep.hasMore, err = jsonmap.CompilePath("list_profiles.pagination.has_more", e.Pagination.HasMore); err != nil {
			return err
		}
		if ep.total, err = jsonmap.CompilePath("list_profiles.pagination.total", e.Pagination.Total); err != nil {
			return err
		}
		var probes []jsonmap.Value
		for _, v := range []jsonmap.Value{ep.next, ep.hasMore, ep.total} {
			if v.IsSet() {
				probes = append(probes, v)
			}
		}
		ep.rd = m.Reader(probes...)
		if ep.changes, err = usesSince(req); err != nil {
			return err
		}
		c.listProfiles = ep
	}
	if e := c.Config.Orders; e != nil {
		req, err := c.compileRequest("orders", e.Request, e.PerKey)
		if err != nil {
			return err
		}
		m, err := e.Compile("orders")
		if err != nil {
			return err
		}
		if !e.PerKey && !m.HasCustomerKey() {
			return connectors.Invalid("orders.customer_key", "required for batch endpoints (results are matched to keys by it)")
		}
		c.orders = &windowedEP[connectors.Order]{req: req, perKey: e.PerKey, hasKey: m.HasCustomerKey(), rd: m.Reader()}
	}
	if e := c.Config.Interactions; e != nil {
		req, err := c.compileRequest("interactions", e.Request, e.PerKey)
		if err != nil {
			return err
		}
		m, err := e.Compile("interactions")
		if err != nil {
			return err
		}
		if !e.PerKey && !m.HasCustomerKey() {
			return connectors.Invalid("interactions.customer_key", "required for batch endpoints (results are matched to keys by it)")
		}
		c.interactions = &windowedEP[connectors.Interaction]{req: req, perKey: e.PerKey, hasKey: m.HasCustomerKey(), rd: m.Reader()}
	}
	if e := c.Lookup; e != nil {
		c.lookup = &lookupEP{kinds: slices.Clone(e.Kinds)}
		req, err := c.compileRequest("lookup", e.Request, false)
		if err != nil {
			return err
		}
		m, err := e.Compile("lookup")
		if err != nil {
			return err
		}
		if !m.HasKey() {
			return connectors.Invalid("lookup.key", "required (the records found are linked by it)")
		}
		c.lookup.req, c.lookup.rd = req, m.Reader()
	}
	if err := c.provisionPrivacy(); err != nil {
		return err
	}
	if err := c.provisionSend(); err != nil {
		return err
	}
	if err := c.provisionMessages(); err != nil {
		return err
	}
	if e := c.Events; e != nil {
		m, err := e.Compile("events")
		if err != nil {
			return err
		}
		c.events = m
	}
	return nil
}

// lookupKinds are the identifier kinds a lookup endpoint may search.
var lookupKinds = []string{connectors.IdentifierEmail, connectors.IdentifierPhone, connectors.IdentifierWhatsApp,
	connectors.IdentifierLoyaltyCard, connectors.IdentifierSocialHandle}

// trialIdentifiers are sample identifiers of the endpoint's kinds for the
// trial renders: one of each kind for a, two of each kind for b.
func trialIdentifiers(kinds []string) (a, b []connectors.Identifier) {
	sample := map[string][2]string{
		connectors.IdentifierEmail:        {"a@example.com", "b@example.com"},
		connectors.IdentifierPhone:        {"+33600000001", "+33600000002"},
		connectors.IdentifierWhatsApp:     {"+33600000003", "+33600000004"},
		connectors.IdentifierLoyaltyCard:  {"LC00000001", "LC00000002"},
		connectors.IdentifierSocialHandle: {"instagram:a", "instagram:b"},
	}
	for _, k := range kinds {
		v := sample[k]
		a = append(a, connectors.Identifier{Kind: k, Value: v[0]})
		b = append(b, connectors.Identifier{Kind: k, Value: v[0]}, connectors.Identifier{Kind: k, Value: v[1]})
	}
	return a, b
}

func (c *Connector) compileRequest(prefix string, r Request, perKey bool) (*request, error) {
	out := &request{method: strings.ToUpper(r.Method), pathSrc: r.Path}
	if out.method == "" {
		out.method = http.MethodGet
		if r.Body != "" {
			out.method = http.MethodPost
		}
	}
	if !privacyMethodOK(prefix, out.method) {
		if prefix == "erase" {
			return nil, connectors.Invalid(prefix+".method", "must be GET, POST or DELETE")
		}
		return nil, connectors.Invalid(prefix+".method", "must be GET or POST")
	}
	if r.Path == "" {
		return nil, connectors.Invalid(prefix+".path", "required")
	}
	if r.Body != "" && out.method == http.MethodGet {
		return nil, connectors.Invalid(prefix+".body", "a GET request has no body; set method: POST")
	}
	var err error
	if out.path, err = parseTemplate(prefix+".path", r.Path); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(r.Query))
	for name := range r.Query {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if name == "" {
			return nil, connectors.Invalid(prefix+".query", "empty parameter name")
		}
		t, err := parseTemplate(prefix+".query."+name, r.Query[name])
		if err != nil {
			return nil, err
		}
		out.query = append(out.query, queryParam{name: name, t: t})
	}
	if r.Body != "" {
		if out.body, err = parseTemplate(prefix+".body", r.Body); err != nil {
			return nil, err
		}
		out.jsonBody = true
		for name, v := range c.Headers {
			if strings.EqualFold(name, "Content-Type") && !strings.Contains(strings.ToLower(v.Reveal()), "json") {
				out.jsonBody = false
			}
		}
	}
	// Trial renders: the templates must execute, and must use the keys the
	// way the endpoint's style says.
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	base := TemplateData{Since: now.Add(-time.Hour), Until: now, Limit: 10, Cursor: "c", Page: 1}
	a, b := base, base
	switch {
	case prefix == "lookup":
		ia, ib := trialIdentifiers(c.lookup.kinds)
		a, b = withIdentifiers(a, ia), withIdentifiers(b, ib)
	case perKey:
		a.Key, b.Key = "key-a", "key-b"
	default:
		a.Keys, b.Keys = []string{"key-a"}, []string{"key-b", "key-c"}
	}
	ra, err := out.trial(prefix, a)
	if err != nil {
		return nil, err
	}
	rb, err := out.trial(prefix, b)
	if err != nil {
		return nil, err
	}
	if prefix != "list_profiles" && ra.same(rb) {
		if perKey {
			return nil, connectors.Invalid(prefix+".path", "per_key endpoint does not use {{.Key}} in its path, query or body")
		}
		if prefix == "lookup" {
			return nil, connectors.Invalid(prefix+".path", "lookup endpoint does not use the identifiers ({{.Identifiers}}, {{.Emails}}, {{.Phones}}...) in its path, query or body")
		}
		return nil, connectors.Invalid(prefix+".path", "batch endpoint does not use {{.Keys}} in its path, query or body (or set per_key: true and use {{.Key}})")
	}
	if _, err := c.resolve(ra.path, nil); err != nil {
		return nil, connectors.Invalid(prefix+".path", "does not render a path below base_url")
	}
	return out, nil
}

// usesSince reports whether a list_profiles request renders differently
// with a lower time bound: whether it passes {{.Since}} to the API.
func usesSince(req *request) (bool, error) {
	a := TemplateData{Limit: 10, Cursor: "c", Page: 1}
	b := a
	b.Since = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	ra, err := req.trial("list_profiles", a)
	if err != nil {
		return false, err
	}
	rb, err := req.trial("list_profiles", b)
	if err != nil {
		return false, err
	}
	return !ra.same(rb), nil
}

// resolve builds the URL of a rendered path below base_url.
func (c *Connector) resolve(path string, query url.Values) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil || ref.Scheme != "" || ref.Host != "" || ref.User != nil || strings.HasPrefix(path, "//") {
		return nil, fmt.Errorf("path is not relative")
	}
	u := *c.base
	u.Path = strings.TrimSuffix(c.base.Path, "/") + "/" + strings.TrimPrefix(ref.Path, "/")
	u.RawPath = strings.TrimSuffix(c.base.EscapedPath(), "/") + "/" + strings.TrimPrefix(ref.EscapedPath(), "/")
	q := ref.Query()
	for k, vs := range query {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return &u, nil
}

// Close releases nothing: the HTTP client is the gateway's.
func (c *Connector) Close() error { return nil }

// call sends one rendered request and decodes its JSON answer. notFound is
// true for a 404 when allow404 is set.
func (c *Connector) call(ctx context.Context, r *request, d TemplateData, allow404 bool) (doc any, notFound bool, err error) {
	body, _, notFound, err := c.fetch(ctx, r, d, nil, allow404)
	if err != nil || body == nil {
		return nil, notFound, err
	}
	defer body.Release()
	if doc, err = jsonmap.DecodeBytes(body.Bytes()); err != nil {
		return nil, false, connectors.Errorf(connectors.CodeBadResponse, "%s: response is not JSON", describe(r.method, r.pathSrc))
	}
	return doc, false, nil
}

// readAt sends one rendered request and maps its answer with rd: the
// records, and the document that rd's probes read. A 204 or blank answer
// has no records. A non-nil at replaces the rendered path and query (a
// Link pagination URL, already checked to be on the base URL's host);
// notFound is true for a 404 when allow404 is set.
func readAt[T any](ctx context.Context, c *Connector, r *request, rd *jsonmap.Reader[T], d TemplateData, at *url.URL, allow404 bool) (doc any, list []T, hdr http.Header, notFound bool, err error) {
	body, hdr, notFound, err := c.fetch(ctx, r, d, at, allow404)
	if err != nil || notFound {
		return nil, nil, hdr, notFound, err
	}
	if body == nil {
		return nil, []T{}, hdr, false, nil
	}
	// The body's buffer is pooled: the reader copies what it keeps, and the
	// buffer is zeroed when released.
	defer body.Release()
	doc, list, err = rd.Read(body.Bytes())
	switch {
	case errors.Is(err, jsonmap.ErrNotJSON):
		return nil, nil, hdr, false, connectors.Errorf(connectors.CodeBadResponse, "%s: response is not JSON", describe(r.method, r.pathSrc))
	case err != nil:
		return nil, nil, hdr, false, described(r, err)
	}
	return doc, list, hdr, false, nil
}

// fetch sends one rendered request and returns its answer's body, in a
// pooled buffer the caller releases; nil for a 204 or a blank body.
// notFound is true for a 404 when allow404 is set. A non-nil at replaces
// the rendered path and query.
func (c *Connector) fetch(ctx context.Context, r *request, d TemplateData, at *url.URL, allow404 bool) (body *httpauth.Buffer, hdr http.Header, notFound bool, err error) {
	desc := describe(r.method, r.pathSrc)
	rd, err := r.render(d)
	if err != nil {
		return nil, nil, false, err
	}
	u := at
	if u == nil {
		if u, err = c.resolve(rd.path, rd.query); err != nil {
			return nil, nil, false, connectors.Errorf(connectors.CodeInternal, "%s: %v", desc, err)
		}
	}
	var req *http.Request
	if rd.body != nil {
		req, err = http.NewRequestWithContext(ctx, r.method, u.String(), bytes.NewReader(rd.body))
	} else {
		req, err = http.NewRequestWithContext(ctx, r.method, u.String(), nil)
	}
	if err != nil {
		return nil, nil, false, connectors.Errorf(connectors.CodeInternal, "%s: cannot build the request", desc)
	}
	req.Header.Set("Accept", "application/json")
	if rd.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for name, v := range c.Headers {
		req.Header.Set(name, v.Reveal())
	}
	if err := c.Auth.Authorize(ctx, c.client, req); err != nil {
		return nil, nil, false, err
	}
	status, hdr, body, err := httpauth.DoBuffered(ctx, c.client, req, desc, c.MaxResponseBytes)
	c.Auth.Observe(status)
	if err != nil {
		if allow404 && status == http.StatusNotFound {
			return nil, hdr, true, nil
		}
		return nil, hdr, false, err
	}
	if status == http.StatusNoContent || len(bytes.TrimSpace(body.Bytes())) == 0 {
		body.Release()
		return nil, hdr, false, nil
	}
	return body, hdr, false, nil
}

// Format implements fmt.Formatter: every verb prints the same short
// description, without credentials or the HTTP client's internals.
func (c *Connector) Format(f fmt.State, _ rune) {
	auth := c.Auth.Type
	if auth == "" {
		auth = httpauth.TypeNone
	}
	_, _ = fmt.Fprintf(f, "rest connector{base_url: %s, auth: %s, capabilities: %v}", redactURL(c.BaseURL), auth, c.Capabilities())
}

// redactURL keeps the scheme, host and path of a URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

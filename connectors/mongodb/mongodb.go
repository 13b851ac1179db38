package mongodb

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// KindID is the kind's name in configuration.
const KindID = "mongodb"

func init() {
	connectors.MustRegister(connectors.Kind{
		ID:  KindID,
		Doc: "collections of another MongoDB, read with configured filters",
		New: func() connectors.Connector { return new(Connector) },
	})
}

// Placeholders a filter may use.
const (
	PKeys  = ":keys"
	PSince = ":since"
	PUntil = ":until"

	// Lookup: the batch's identifiers of one kind, as a list.
	PEmails        = ":emails"
	PPhones        = ":phones"
	PWhatsApps     = ":whatsapps"
	PLoyaltyCards  = ":loyalty_cards"
	PSocialHandles = ":social_handles"

	// Send: the fields of one message; an empty field leaves its key out.
	PCustomerKey    = ":customer_key"
	PChannel        = ":channel"
	PBody           = ":body"
	PTemplate       = ":template"
	PParams         = ":params" // a document of the template's parameters
	PIdempotencyKey = ":idempotency_key"
)

var (
	lookupPlaceholders = []string{PEmails, PPhones, PWhatsApps, PLoyaltyCards, PSocialHandles}
	sendPlaceholders   = []string{PCustomerKey, PChannel, PBody, PTemplate, PParams, PIdempotencyKey}
	allPlaceholders    = slices.Concat([]string{PKeys, PSince, PUntil}, lookupPlaceholders, sendPlaceholders)
	// placeholdersOf lists what each capability's filter may use.
	placeholdersOf = map[connectors.Capability][]string{
		connectors.CapProfiles:     {PKeys},
		connectors.CapListProfiles: {},
		connectors.CapOrders:       {PKeys, PSince, PUntil},
		connectors.CapInteractions: {PKeys, PSince, PUntil},
		connectors.CapLookup:       lookupPlaceholders,
		connectors.CapErase:        {PKeys},
		connectors.CapExport:       {PKeys},
		connectors.CapSend:         sendPlaceholders,
	}
	// identifierKinds maps the lookup placeholders to identifier kinds.
	identifierKinds = map[string]string{
		PEmails: connectors.IdentifierEmail, PPhones: connectors.IdentifierPhone, PWhatsApps: connectors.IdentifierWhatsApp,
		PLoyaltyCards: connectors.IdentifierLoyaltyCard, PSocialHandles: connectors.IdentifierSocialHandle,
	}
)

// Find is the part of every capability's block that selects documents.
type Find struct {
	// Collection is the collection to read.
	Collection string `yaml:"collection"`
	// Filter is the query document, with placeholders.
	Filter connectors.Value `yaml:"filter"`
	// Projection limits the fields read (optional).
	Projection connectors.Value `yaml:"projection"`
	// Sort orders the documents (optional); keys keep their order.
	Sort connectors.Value `yaml:"sort"`
}

// ProfilesQuery reads profile records by native key.
type ProfilesQuery struct {
	Find `yaml:",inline"`
	// Mapping maps a document onto a profile record; key is required.
	Mapping jsonmap.ProfileMapping `yaml:"mapping"`
}

// ListQuery pages through every profile record, ordered by KeyField.
// Each page is one find sorted by KeyField, after the previous page's last
// value and limited to the page size by the server, which never serves
// fewer: a page shorter than asked is the last one.
type ListQuery struct {
	Find `yaml:",inline"`
	// KeyField is the document field holding the native key; pages are
	// read in its order, after the previous page's last key. Its values
	// must be of one BSON type (strings, numbers or ObjectIds): a find
	// after a value only matches values of its own type.
	KeyField string `yaml:"key_field"`
	// PageSize is the number of documents read per page, 1 to 1000;
	// default 100.
	PageSize int `yaml:"page_size" jsonschema:"minimum=1,maximum=1000"`
	// Mapping maps a document onto a profile record; key is required.
	Mapping jsonmap.ProfileMapping `yaml:"mapping"`
}

// OrdersQuery reads orders by the customer's native key. Its sort, newest
// first, is required: each key's newest window.limit documents are read by
// a find of their own (see Config.MaxConcurrency).
type OrdersQuery struct {
	Find `yaml:",inline"`
	// Mapping maps a document onto an order; customer_key is required.
	Mapping jsonmap.OrderMapping `yaml:"mapping"`
}

// InteractionsQuery reads interactions by the customer's native key, like
// OrdersQuery.
type InteractionsQuery struct {
	Find `yaml:",inline"`
	// Mapping maps a document onto an interaction; customer_key is
	// required.
	Mapping jsonmap.InteractionMapping `yaml:"mapping"`
}

// Config is the configuration of a mongodb instance.
type Config struct {
	// URI is the deployment's connection string. It may hold a password, so
	// it is a secret. Its options are the driver's; serverSelectionTimeoutMS,
	// how long a call waits for a usable server, is 5s when it has none.
	URI connectors.Secret `yaml:"uri"`
	// Database is the database holding the collections.
	Database string `yaml:"database"`
	// MaxPoolSize bounds the connections to each server (default 10).
	MaxPoolSize uint64 `yaml:"max_pool_size"`
	// MaxConcurrency bounds the finds in flight for one orders or
	// interactions call, which runs one find per key (default 4).
	MaxConcurrency int `yaml:"max_concurrency"`

	// Profiles reads profile records by native key.
	Profiles *ProfilesQuery `yaml:"profiles"`
	// ListProfiles pages through every profile record.
	ListProfiles *ListQuery `yaml:"list_profiles"`
	// Orders reads orders by the customer's native key.
	Orders *OrdersQuery `yaml:"orders"`
	// Interactions reads interactions by the customer's native key.
	Interactions *InteractionsQuery `yaml:"interactions"`
	// Lookup finds profile records by identifier (see LookupQuery).
	Lookup *LookupQuery `yaml:"lookup"`
	// Erase lists the steps that delete or anonymise customers' documents
	// for privacy (erasure) requests (see EraseStep).
	Erase []EraseStep `yaml:"erase"`
	// Export maps section names to the finds that read everything held
	// about customers for privacy (export) requests (see ExportSection).
	Export map[string]ExportSection `yaml:"export"`
	// Send inserts messages to customers into an outbox collection (see
	// SendInsert).
	Send *SendInsert `yaml:"send"`
}

// Connector is a mongodb instance.
type Connector struct {
	Config `yaml:",inline"`

	client       *mongo.Client
	db           *mongo.Database
	profiles     *query
	listProfiles *query
	orders       *query
	interactions *query

	profileMap, listMap *jsonmap.Profiles
	orderMap            *jsonmap.Orders
	interactionMap      *jsonmap.Interactions

	lookup    *query
	lookupMap *jsonmap.Profiles
	erase     []eraseStep
	export    []exportSection
	send      *sendInsert
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

// query is one compiled capability.
type query struct {
	cp         connectors.Capability
	collection string
	filter     any // a template: bson.D, []any and strings
	projection bson.D
	sort       bson.D
	keyField   string
	used       map[string]bool // the placeholders the filter uses
}

// Capabilities reports the capabilities whose block is configured.
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
	if len(c.Config.Erase) > 0 {
		caps = append(caps, connectors.CapErase)
	}
	if len(c.Config.Export) > 0 {
		caps = append(caps, connectors.CapExport)
	}
	if c.Config.Send != nil {
		caps = append(caps, connectors.CapSend)
	}
	return caps
}

// Validate checks the configuration.
func (c *Connector) Validate() error {
	if c.URI == "" {
		return connectors.Invalid("uri", "required: a mongodb:// or mongodb+srv:// connection string")
	}
	if c.Database == "" {
		return connectors.Invalid("database", "required")
	}
	if len(c.Capabilities()) == 0 {
		return connectors.Invalid("", "configure at least one capability (profiles, list_profiles, orders, interactions, lookup, erase, export, send)")
	}
	if c.MaxConcurrency < 0 {
		return connectors.Invalid("max_concurrency", "must not be negative")
	}
	if q := c.Config.ListProfiles; q != nil {
		if err := connectors.CheckPageSize("list_profiles.page_size", q.PageSize); err != nil {
			return err
		}
	}
	return nil
}

// Provision compiles the filters and mappings and makes the client. It does
// not connect: the first call does, so the gateway starts while the
// database is down.
func (c *Connector) Provision(_ context.Context, _ connectors.Env) error {
	if err := c.Validate(); err != nil {
		return err
	}
	var err error
	if q := c.Config.Profiles; q != nil {
		if c.profiles, err = compile(connectors.CapProfiles, q.Find, true); err != nil {
			return err
		}
		if c.profileMap, err = q.Mapping.Compile("profiles.mapping"); err != nil {
			return err
		}
		if !c.profileMap.HasKey() {
			return connectors.Invalid("profiles.mapping.key", "required: the path of the native key in a document")
		}
	}
	if q := c.Config.ListProfiles; q != nil {
		if c.listProfiles, err = compile(connectors.CapListProfiles, q.Find, false); err != nil {
			return err
		}
		if q.KeyField == "" {
			return connectors.Invalid("list_profiles.key_field", "required: the field holding the native key")
		}
		if len(c.listProfiles.sort) > 0 {
			return connectors.Invalid("list_profiles.sort", "not allowed: pages are read in key_field order")
		}
		c.listProfiles.keyField = q.KeyField
		if c.listMap, err = q.Mapping.Compile("list_profiles.mapping"); err != nil {
			return err
		}
		if !c.listMap.HasKey() {
			return connectors.Invalid("list_profiles.mapping.key", "required: the path of the native key in a document")
		}
	}
	if q := c.Config.Orders; q != nil {
		if c.orders, err = compile(connectors.CapOrders, q.Find, true); err != nil {
			return err
		}
		if c.orderMap, err = q.Mapping.Compile("orders.mapping"); err != nil {
			return err
		}
		if !c.orderMap.HasCustomerKey() {
			return connectors.Invalid("orders.mapping.customer_key", "required: the path of the customer's native key in a document")
		}
		if len(c.orders.sort) == 0 {
			return connectors.Invalid("orders.sort", "required: newest first, e.g. {placed_at: -1} (each key's newest documents are read up to the window's limit)")
		}
	}
	if q := c.Config.Interactions; q != nil {
		if c.interactions, err = compile(connectors.CapInteractions, q.Find, true); err != nil {
			return err
		}
		if c.interactionMap, err = q.Mapping.Compile("interactions.mapping"); err != nil {
			return err
		}
		if !c.interactionMap.HasCustomerKey() {
			return connectors.Invalid("interactions.mapping.customer_key", "required: the path of the customer's native key in a document")
		}
		if len(c.interactions.sort) == 0 {
			return connectors.Invalid("interactions.sort", "required: newest first, e.g. {at: -1} (each key's newest documents are read up to the window's limit)")
		}
	}
	if err := c.provisionMore(); err != nil {
		return err
	}

	uri := c.URI.Reveal()
	if u, perr := url.Parse(uri); perr != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") {
		// The parser's message may quote the URI and its password.
		return connectors.Invalid("uri", "not a mongodb:// or mongodb+srv:// connection string")
	}
	opts := clientOptions(uri)
	if c.MaxPoolSize > 0 {
		opts.SetMaxPoolSize(c.MaxPoolSize)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return connectors.Invalid("uri", "cannot make a client from the connection string")
	}
	c.client = client
	c.db = client.Database(c.Database)
	return nil
}

// defaultServerSelectionTimeout bounds how long a call waits for a usable
// server when the URI sets no serverSelectionTimeoutMS (the driver's own
// default is 30s, longer than a request should wait).
const defaultServerSelectionTimeout = 5 * time.Second

// clientOptions are the driver's options for uri. What the URI says wins:
// only a setting it leaves out gets the connector's default.
func clientOptions(uri string) *options.ClientOptions {
	opts := options.Client().ApplyURI(uri)
	if opts.ServerSelectionTimeout == nil {
		opts.SetServerSelectionTimeout(defaultServerSelectionTimeout)
	}
	return opts
}

// Close disconnects the client.
func (c *Connector) Close() error {
	if c.client == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.client.Disconnect(ctx); err != nil && !errors.Is(err, mongo.ErrClientDisconnected) {
		return fmt.Errorf("close mongodb connector: %w", err)
	}
	return nil
}

// Format implements fmt.Formatter: every verb prints the same short
// description, never the URI nor the client's internals.
func (c *Connector) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "mongodb connector{database: %s, capabilities: %v}", c.Database, c.Capabilities())
}

// values are what a call binds to the placeholders.
type values struct {
	keys         []string
	since, until time.Time
	ids          map[string][]string // lookup: values by identifier kind
	msg          *connectors.OutboundMessage
}

// find runs q with v and hands each document, as plain JSON-like values, to
// each. It stops early when each returns false.
func (c *Connector) find(ctx context.Context, q *query, filter any, opts *options.FindOptionsBuilder, each func(doc any) (bool, error)) error {
	return c.findRaw(ctx, q, filter, opts, func(_ bson.Raw, doc any) (bool, error) { return each(doc) })
}

// findRaw is find, handing each the document's raw BSON besides.
func (c *Connector) findRaw(ctx context.Context, q *query, filter any, opts *options.FindOptionsBuilder, each func(raw bson.Raw, doc any) (bool, error)) error {
	// The driver's goroutines see only this derived context, ended before
	// the call returns, never the caller's.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if len(q.projection) > 0 {
		opts.SetProjection(q.projection)
	}
	cur, err := c.db.Collection(q.collection).Find(ctx, filter, opts)
	if err != nil {
		return classify(ctx, q.cp, err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	n := 0
	for cur.Next(ctx) {
		var raw bson.D
		if err := cur.Decode(&raw); err != nil {
			return connectors.Errorf(connectors.CodeBadResponse, "%s find: document %d cannot be decoded", q.cp, n)
		}
		more, err := each(cur.Current, plain(raw))
		if err != nil {
			return connectors.Errorf(connectors.CodeBadResponse, "%s find: document %d: %v", q.cp, n, err)
		}
		n++
		if !more {
			return nil
		}
	}
	if err := cur.Err(); err != nil {
		return classify(ctx, q.cp, err)
	}
	return nil
}

func unconfigured(cp connectors.Capability) error {
	return connectors.Errorf(connectors.CodeInternal, "mongodb connector has no %s block configured", cp)
}

// Profiles implements connectors.ProfileSource.
func (c *Connector) Profiles(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	if c.profiles == nil {
		return nil, unconfigured(connectors.CapProfiles)
	}
	if len(keys) == 0 {
		return []*connectors.Profile{}, nil
	}
	var list []connectors.Profile
	opts := options.Find()
	if len(c.profiles.sort) > 0 {
		opts.SetSort(c.profiles.sort)
	}
	err := c.find(ctx, c.profiles, c.profiles.bind(values{keys: keys}), opts, func(doc any) (bool, error) {
		p, err := c.profileMap.Profile(doc)
		if err != nil {
			return false, err
		}
		list = append(list, p)
		return true, nil
	})
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

// ListProfiles implements connectors.ProfileLister: pages are read in
// key_field order, after the previous page's last key_field value, kept in
// the cursor with its BSON type (see listCursor). The server limits a find
// exactly, so a short page is the last one.
func (c *Connector) ListProfiles(ctx context.Context, cursor string, limit int) (connectors.ProfilePage, error) {
	q := c.listProfiles
	if q == nil {
		return connectors.ProfilePage{}, unconfigured(connectors.CapListProfiles)
	}
	if limit <= 0 {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "list_profiles: limit must be positive")
	}
	filter := q.bind(values{})
	if cursor != "" {
		last, err := parseListCursor(cursor)
		if err != nil {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "list_profiles: cursor is not a listing position")
		}
		after := bson.D{{Key: q.keyField, Value: bson.D{{Key: "$gt", Value: last}}}}
		filter = bson.D{{Key: "$and", Value: bson.A{filter, after}}}
	}
	opts := options.Find().SetSort(bson.D{{Key: q.keyField, Value: 1}}).SetLimit(int64(limit))
	var list []connectors.Profile
	var last bson.RawValue
	err := c.findRaw(ctx, q, filter, opts, func(raw bson.Raw, doc any) (bool, error) {
		p, err := c.listMap.Profile(doc)
		if err != nil {
			return false, err
		}
		if last, err = raw.LookupErr(strings.Split(q.keyField, ".")...); err != nil || last.Type == bson.TypeNull {
			return false, fmt.Errorf("no %s", q.keyField)
		}
		last.Value = slices.Clone(last.Value) // the driver reuses raw's bytes
		list = append(list, p)
		return true, nil
	})
	if err != nil {
		return connectors.ProfilePage{}, err
	}
	page := connectors.ProfilePage{Profiles: list}
	if len(list) == limit {
		page.Next = listCursor(last)
		if page.Next == cursor {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse,
				"list_profiles: the page does not advance (is key_field an array?)")
		}
	}
	return page, nil
}

// listCursor writes a key_field value as a cursor: its BSON type and bytes,
// so that the next page's find compares it as the type it is (a string
// cursor would match no ObjectId or number: MongoDB compares within a
// type).
func listCursor(v bson.RawValue) string {
	return fmt.Sprintf("%02x.", byte(v.Type)) + base64.RawURLEncoding.EncodeToString(v.Value)
}

// parseListCursor reads a cursor listCursor wrote.
func parseListCursor(cursor string) (bson.RawValue, error) {
	t, data, ok := strings.Cut(cursor, ".")
	typ, err := hex.DecodeString(t)
	if !ok || err != nil || len(typ) != 1 {
		return bson.RawValue{}, errors.New("malformed")
	}
	b, err := base64.RawURLEncoding.DecodeString(data)
	if err != nil {
		return bson.RawValue{}, err
	}
	v := bson.RawValue{Type: bson.Type(typ[0]), Value: b}
	if err := v.Validate(); err != nil {
		return bson.RawValue{}, err
	}
	return v, nil
}

// Orders implements connectors.OrderSource. The window's bounds are pushed
// down through the filter's placeholders and its limit through one find
// per key (see windowed).
func (c *Connector) Orders(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	if c.orders == nil {
		return nil, unconfigured(connectors.CapOrders)
	}
	if len(keys) == 0 {
		return [][]connectors.Order{}, nil
	}
	var list []connectors.Order
	err := c.windowed(ctx, c.orders, keys, w, func(doc any) error {
		o, err := c.orderMap.Order(doc)
		list = append(list, o)
		return err
	})
	if err != nil {
		return nil, err
	}
	return jsonmap.AlignOrders(keys, list, w), nil
}

// Interactions implements connectors.InteractionSource, like Orders.
func (c *Connector) Interactions(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Interaction, error) {
	if c.interactions == nil {
		return nil, unconfigured(connectors.CapInteractions)
	}
	if len(keys) == 0 {
		return [][]connectors.Interaction{}, nil
	}
	var list []connectors.Interaction
	err := c.windowed(ctx, c.interactions, keys, w, func(doc any) error {
		it, err := c.interactionMap.Interaction(doc)
		list = append(list, it)
		return err
	})
	if err != nil {
		return nil, err
	}
	return jsonmap.AlignInteractions(keys, list, w), nil
}

// classify turns a driver error into a *connectors.Error. Server messages
// can quote values of documents, so the text keeps only the server's code.
func classify(ctx context.Context, cp connectors.Capability, err error) *connectors.Error {
	return classifyOp(ctx, string(cp)+" find", err)
}

// classifyOp is classify for any operation: what names it ("erase[0]
// deleteMany").
func classifyOp(ctx context.Context, what string, err error) *connectors.Error {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return connectors.NewError(connectors.CodeTimeout, fmt.Errorf("%s: %w", what, cerr))
		}
		return connectors.NewError(connectors.CodeUnavailable, fmt.Errorf("%s: %w", what, cerr))
	}
	if errors.Is(err, context.DeadlineExceeded) || mongo.IsTimeout(err) {
		return connectors.NewError(connectors.CodeTimeout, fmt.Errorf("%s: %w", what, context.DeadlineExceeded))
	}
	if mongo.IsDuplicateKeyError(err) {
		// A unique index refused the write: the data, not the server.
		return connectors.Errorf(connectors.CodeRejected, "%s: duplicate key (server code 11000)", what)
	}
	var se mongo.ServerError
	if errors.As(err, &se) {
		var cmd mongo.CommandError
		if errors.As(err, &cmd) {
			switch {
			case cmd.Code == 13 || cmd.Code == 18 || cmd.HasErrorLabel("AuthenticationFailed"):
				return connectors.Errorf(connectors.CodeUnauthorized, "%s: authentication or authorisation failed (server code %d)", what, cmd.Code)
			case cmd.Code == 2 || cmd.Code == 9 || cmd.Code == 14:
				// BadValue, FailedToParse, TypeMismatch: the configured filter.
				return connectors.Errorf(connectors.CodeRejected, "%s: the server refused the filter (server code %d %s)", what, cmd.Code, cmd.Name)
			}
			return connectors.Errorf(connectors.CodeUnavailable, "%s: server error code %d %s", what, cmd.Code, cmd.Name)
		}
		return connectors.Errorf(connectors.CodeUnavailable, "%s: server error", what)
	}
	if mongo.IsNetworkError(err) || strings.Contains(err.Error(), "server selection") {
		return connectors.Errorf(connectors.CodeUnavailable, "%s: cannot reach the database", what)
	}
	return connectors.Errorf(connectors.CodeUnavailable, "%s: %s", what, "the driver failed")
}

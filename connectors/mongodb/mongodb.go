package mongodb

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"gopkg.in/yaml.v3"

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
)

// Find is the part of every capability's block that selects documents.
type Find struct {
	// Collection is the collection to read.
	Collection string `yaml:"collection"`
	// Filter is the query document, with placeholders.
	Filter yaml.Node `yaml:"filter"`
	// Projection limits the fields read (optional).
	Projection yaml.Node `yaml:"projection"`
	// Sort orders the documents (optional); keys keep their order.
	Sort yaml.Node `yaml:"sort"`
}

// ProfilesQuery reads profile records by native key.
type ProfilesQuery struct {
	Find    `yaml:",inline"`
	Mapping jsonmap.ProfileMapping `yaml:"mapping"`
}

// ListQuery pages through every profile record, ordered by KeyField.
type ListQuery struct {
	Find `yaml:",inline"`
	// KeyField is the document field holding the native key; pages are
	// read in its order, after the previous page's last key.
	KeyField string                 `yaml:"key_field"`
	Mapping  jsonmap.ProfileMapping `yaml:"mapping"`
}

// OrdersQuery reads orders by the customer's native key.
type OrdersQuery struct {
	Find    `yaml:",inline"`
	Mapping jsonmap.OrderMapping `yaml:"mapping"`
}

// InteractionsQuery reads interactions by the customer's native key.
type InteractionsQuery struct {
	Find    `yaml:",inline"`
	Mapping jsonmap.InteractionMapping `yaml:"mapping"`
}

// Config is the configuration of a mongodb instance.
type Config struct {
	// URI is the deployment's connection string. It may hold a password, so
	// it is a secret.
	URI connectors.Secret `yaml:"uri"`
	// Database is the database holding the collections.
	Database string `yaml:"database"`
	// MaxPoolSize bounds the connections to each server (default 10).
	MaxPoolSize uint64 `yaml:"max_pool_size"`

	Profiles     *ProfilesQuery     `yaml:"profiles"`
	ListProfiles *ListQuery         `yaml:"list_profiles"`
	Orders       *OrdersQuery       `yaml:"orders"`
	Interactions *InteractionsQuery `yaml:"interactions"`
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
}

var (
	_ connectors.ProfileSource      = (*Connector)(nil)
	_ connectors.ProfileLister      = (*Connector)(nil)
	_ connectors.OrderSource        = (*Connector)(nil)
	_ connectors.InteractionSource  = (*Connector)(nil)
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
		return connectors.Invalid("", "configure at least one capability (profiles, list_profiles, orders, interactions)")
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
	}

	uri := c.URI.Reveal()
	if u, perr := url.Parse(uri); perr != nil || (u.Scheme != "mongodb" && u.Scheme != "mongodb+srv") {
		// The parser's message may quote the URI and its password.
		return connectors.Invalid("uri", "not a mongodb:// or mongodb+srv:// connection string")
	}
	opts := options.Client().ApplyURI(uri).SetServerSelectionTimeout(5 * time.Second)
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
}

// find runs q with v and hands each document, as plain JSON-like values, to
// each. It stops early when each returns false.
func (c *Connector) find(ctx context.Context, q *query, filter any, opts *options.FindOptionsBuilder, each func(doc any) (bool, error)) error {
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
		more, err := each(plain(raw))
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

// ListProfiles implements connectors.ProfileLister: pages are read in
// key_field order, after the previous page's last key.
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
		after := bson.D{{Key: q.keyField, Value: bson.D{{Key: "$gt", Value: cursor}}}}
		filter = bson.D{{Key: "$and", Value: bson.A{filter, after}}}
	}
	opts := options.Find().SetSort(bson.D{{Key: q.keyField, Value: 1}}).SetLimit(int64(limit))
	var list []connectors.Profile
	err := c.find(ctx, q, filter, opts, func(doc any) (bool, error) {
		p, err := c.listMap.Profile(doc)
		if err != nil {
			return false, err
		}
		list = append(list, p)
		return true, nil
	})
	if err != nil {
		return connectors.ProfilePage{}, err
	}
	page := connectors.ProfilePage{Profiles: list}
	if len(list) == limit {
		page.Next = list[len(list)-1].Key
		if page.Next == cursor {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse,
				"list_profiles: the page does not advance (mapping.key must read key_field)")
		}
	}
	return page, nil
}

// Orders implements connectors.OrderSource. The window's bounds are pushed
// down through the filter's placeholders; one find over many keys cannot
// limit each key, so the per-key limit is applied to what it reads.
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

// windowed runs a windowed find: the window's bounds go through the
// filter's placeholders; the alignment then orders each key's documents,
// keeps its newest w.Limit and checks that every one belongs to a key asked.
func (c *Connector) windowed(ctx context.Context, q *query, keys []string, w connectors.Window, add func(doc any) error) error {
	opts := options.Find()
	if len(q.sort) > 0 {
		opts.SetSort(q.sort)
	}
	return c.find(ctx, q, q.bind(values{keys: keys, since: w.Since, until: w.Until}), opts, func(doc any) (bool, error) {
		return true, add(doc)
	})
}

// classify turns a driver error into a *connectors.Error. Server messages
// can quote values of documents, so the text keeps only the server's code.
func classify(ctx context.Context, cp connectors.Capability, err error) *connectors.Error {
	what := string(cp) + " find"
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return connectors.NewError(connectors.CodeTimeout, fmt.Errorf("%s: %w", what, cerr))
		}
		return connectors.NewError(connectors.CodeUnavailable, fmt.Errorf("%s: %w", what, cerr))
	}
	if errors.Is(err, context.DeadlineExceeded) || mongo.IsTimeout(err) {
		return connectors.NewError(connectors.CodeTimeout, fmt.Errorf("%s: %w", what, context.DeadlineExceeded))
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

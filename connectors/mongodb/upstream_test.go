package mongodb_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	_ "github.com/harmonyhq/harmony/connectors/mongodb"
)

// ferret is one embedded FerretDB (SQLite backend) for the package's tests:
// the same wire protocol and driver as a real MongoDB.
var (
	ferretOnce sync.Once
	ferretAddr string
	ferretErr  error
)

func upstreamAddr(t *testing.T) string {
	t.Helper()
	addr, err := startFerret()
	if err != nil {
		t.Fatalf("start FerretDB: %v", err)
	}
	return addr
}

// startFerret starts the package's FerretDB once and returns its address.
func startFerret() (string, error) {
	ferretOnce.Do(func() {
		f, err := ferretdb.New(&ferretdb.Config{
			Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
			Logger:    slog.New(slog.DiscardHandler),
			Handler:   "sqlite",
			SQLiteURL: "file:" + dataDir + "/",
		})
		if err != nil {
			ferretErr = err
			return
		}
		go func() { _ = f.Run(context.Background()) }()
		u, err := url.Parse(f.MongoDBURI())
		if err != nil {
			ferretErr = err
			return
		}
		ferretAddr = u.Host
	})
	return ferretAddr, ferretErr
}

// loyalty is a loyalty program's database: members, purchases and point
// events.
var (
	t0      = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	members = []bson.D{
		{{Key: "member_id", Value: "M-1001"}, {Key: "name", Value: bson.D{{Key: "first", Value: "Ana"}, {Key: "last", Value: "Silva"}}},
			{Key: "email", Value: "ana@example.test"}, {Key: "tier", Value: "gold"}, {Key: "card", Value: "LC-00001001"},
			{Key: "points", Value: int32(1200)}, {Key: "updated", Value: t0}},
		{{Key: "member_id", Value: "M-1002"}, {Key: "name", Value: bson.D{{Key: "first", Value: "Ben"}, {Key: "last", Value: "Okafor"}}},
			{Key: "phone", Value: "+33612000002"}, {Key: "tier", Value: "silver"}, {Key: "updated", Value: t0.Add(time.Hour)}},
		{{Key: "member_id", Value: "M-1003"}, {Key: "name", Value: bson.D{{Key: "first", Value: "Chloé"}}}, {Key: "updated", Value: t0}},
		{{Key: "member_id", Value: "M-1004"}, {Key: "name", Value: bson.D{{Key: "first", Value: "Dan"}}}, {Key: "status", Value: "closed"}},
	}
)

func purchases() []any {
	var out []any
	for i := range 5 {
		out = append(out, bson.D{{Key: "_id", Value: fmt.Sprintf("P-%d", i)}, {Key: "member_id", Value: "M-1001"},
			{Key: "at", Value: t0.Add(time.Duration(i) * 24 * time.Hour)}, {Key: "amount", Value: bson.D{{Key: "cents", Value: int64(1000 + i)}, {Key: "currency", Value: "EUR"}}},
			{Key: "store", Value: "Lyon"}})
	}
	out = append(out,
		bson.D{{Key: "_id", Value: "P-9"}, {Key: "member_id", Value: "M-1002"}, {Key: "at", Value: t0}, {Key: "amount", Value: bson.D{{Key: "cents", Value: int64(500)}, {Key: "currency", Value: "EUR"}}}},
		bson.D{{Key: "_id", Value: "P-10"}, {Key: "member_id", Value: "M-1003"}, {Key: "at", Value: t0.Add(time.Hour)}, {Key: "amount", Value: bson.D{{Key: "cents", Value: int64(700)}, {Key: "currency", Value: "EUR"}}}},
	)
	return out
}

func pointEvents() []any {
	var out []any
	for i := range 4 {
		out = append(out, bson.D{{Key: "_id", Value: bson.NewObjectIDFromTimestamp(t0.Add(time.Duration(i) * time.Hour))}, {Key: "member_id", Value: "M-1002"},
			{Key: "at", Value: t0.Add(time.Duration(i) * time.Hour)}, {Key: "kind", Value: "earn"}, {Key: "points", Value: int32(10 * (i + 1))}})
	}
	out = append(out,
		bson.D{{Key: "_id", Value: "E-1"}, {Key: "member_id", Value: "M-1001"}, {Key: "at", Value: t0}, {Key: "kind", Value: "redeem"}, {Key: "points", Value: int32(-50)}},
		bson.D{{Key: "_id", Value: "E-2"}, {Key: "member_id", Value: "M-1003"}, {Key: "at", Value: t0}, {Key: "kind", Value: "earn"}, {Key: "points", Value: int32(5)}},
	)
	return out
}

// upstream is a fresh database on the shared FerretDB, behind a proxy the
// harness breaks and blocks.
type upstream struct {
	database string
	proxy    *connectortest.Proxy
	secret   string
	addr     string

	once  sync.Once
	admin *mongo.Client
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	addr := upstreamAddr(t)
	db := fmt.Sprintf("loyalty_%d", time.Now().UnixNano())
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + addr + "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	d := client.Database(db)
	ctx := t.Context()
	var ms []any
	for _, m := range members {
		ms = append(ms, m)
	}
	for coll, docs := range map[string][]any{"members": ms, "purchases": purchases(), "points": pointEvents()} {
		if _, err := d.Collection(coll).InsertMany(ctx, docs); err != nil {
			t.Fatalf("load %s: %v", coll, err)
		}
	}
	// The outbox refuses a second message with the same idempotency key.
	if _, err := d.Collection("outbox").Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys: bson.D{{Key: "idem", Value: 1}}, Options: options.Index().SetUnique(true)}); err != nil {
		t.Fatalf("outbox index: %v", err)
	}
	t.Cleanup(func() {
		c, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + addr + "/"))
		if err == nil {
			_ = c.Database(db).Drop(context.Background())
			_ = c.Disconnect(context.Background())
		}
	})
	return &upstream{database: db, proxy: connectortest.NewProxy(t, addr), secret: "loyalty-app-7f3k9q", addr: addr}
}

// uri carries a secret in appName so that the checks can look for it.
func (u *upstream) uri() string {
	return "mongodb://" + u.proxy.Addr + "/?directConnection=true&serverSelectionTimeoutMS=2000&appName=" + u.secret
}

// max_pool_size covers the kit's concurrent check (8 callers, each with
// max_concurrency finds in flight): a smaller pool makes callers queue for
// a connection, and on a loaded machine the wait outlasts server selection.
const config = `
uri: %q
database: %s
max_pool_size: 32
profiles:
  collection: members
  filter: {member_id: {$in: ":keys"}, status: {$ne: closed}}
  projection: {_id: 0, member_id: 1, name: 1, email: 1, phone: 1, tier: 1, card: 1, points: 1, updated: 1}
  mapping:
    key: $.member_id
    updated_at: $.updated
    fields:
      given_name: $.name.first
      family_name: $.name.last
      email: $.email
      phone: $.phone
      loyalty_card: $.card
      tier: $.tier
      points: $.points
list_profiles:
  collection: members
  key_field: member_id
  filter: {status: {$ne: closed}}
  mapping:
    key: $.member_id
    fields: {email: $.email}
orders:
  collection: purchases
  filter:
    member_id: {$in: ":keys"}
    at: {$gte: ":since", $lte: ":until"}
  sort: {at: -1}
  mapping:
    customer_key: $.member_id
    id: $._id
    placed_at: $.at
    total: $.amount.cents
    total_unit: minor
    currency: $.amount.currency
    location: $.store
    channel: store
    status: completed
interactions:
  collection: points
  filter:
    $and:
      - {member_id: {$in: ":keys"}}
      - {at: {$gte: ":since"}}
      - {at: {$lte: ":until"}}
  sort: {at: -1}
  mapping:
    customer_key: $.member_id
    id: $._id
    occurred_at: $.at
    channel: store
    type: $.kind
    type_values: {earn: other, redeem: other}
    attributes: {points: $.points}
lookup:
  collection: members
  filter:
    $or:
      - {email: {$in: ":emails"}}
      - {phone: {$in: ":phones"}}
      - {card: {$in: ":loyalty_cards"}}
  mapping:
    key: $.member_id
    fields: {email: $.email, phone: $.phone, loyalty_card: $.card}
erase:
  - collection: purchases
    filter: {member_id: {$in: ":keys"}}
  - collection: points
    filter: {member_id: {$in: ":keys"}}
  - collection: members
    filter: {member_id: {$in: ":keys"}, erased: {$ne: true}}
    update: {$set: {erased: true, status: closed}, $unset: {name: "", email: "", phone: "", card: ""}}
    key_field: member_id
export:
  member:
    collection: members
    filter: {member_id: {$in: ":keys"}, erased: {$ne: true}}
    projection: {_id: 0, updated: 0}
    key_field: member_id
  purchases:
    collection: purchases
    filter: {member_id: {$in: ":keys"}}
    sort: {at: -1}
    key_field: member_id
send:
  collection: outbox
  channels: [email, whatsapp]
  document:
    member_id: ":customer_key"
    channel: ":channel"
    message: {text: ":body", template: ":template", params: ":params"}
    idem: ":idempotency_key"
`

func (u *upstream) config() string { return fmt.Sprintf(config, u.uri(), u.database) }

func TestConformance(t *testing.T) {
	connectortest.Run(t, func(t *testing.T) *connectortest.Harness {
		u := newUpstream(t)
		return &connectortest.Harness{
			Connector: connectortest.Build(t, "mongodb", u.config(), connectors.Env{Name: "loyalty"}),
			Known:     []string{"M-1001", "M-1002", "M-1003"},
			Missing:   "M-9999",
			Break:     u.proxy.Break,
			Heal:      u.proxy.Heal,
			Block:     u.proxy.Block,
			Secrets:   []string{u.secret},
			Identifiers: map[string]connectors.Identifier{
				"M-1001": {Kind: connectors.IdentifierEmail, Value: "ana@example.test"},
				"M-1002": {Kind: connectors.IdentifierPhone, Value: "+33612000002"},
			},
			SentTo: u.sentTo(t),
		}
	})
}

// dataDir holds the package's FerretDB files; TestMain removes it.
var dataDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "harmony-mongodb-kind-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	dataDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// A document that does not match the mapping fails the batch with a bad
// response naming the field and its path, never the value.
func TestDocumentNotMatchingMapping(t *testing.T) {
	u := newUpstream(t)
	cfg := strings.Replace(u.config(), "placed_at: $.at", "placed_at: $.store", 1)
	conn := connectortest.Build(t, "mongodb", cfg, connectors.Env{Name: "loyalty"})
	_, err := conn.(connectors.OrderSource).Orders(t.Context(), []string{"M-1001"}, connectors.Window{Limit: 5})
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Code != connectors.CodeBadResponse {
		t.Fatalf("err = %v, want %s", err, connectors.CodeBadResponse)
	}
	if !strings.Contains(err.Error(), "placed_at ($.store)") || strings.Contains(err.Error(), "Lyon") {
		t.Errorf("error %q should name the field and path, not the value", err)
	}
}

// sentTo reads the recipient of an outbox document; a failed read is
// reported as such, not as a message that went astray.
func (u *upstream) sentTo(t *testing.T) func(id string) (string, bool) {
	return func(id string) (string, bool) {
		oid, err := bson.ObjectIDFromHex(id)
		if err != nil {
			return "", false
		}
		var doc struct {
			MemberID string `bson:"member_id"`
		}
		if err := u.collection(t, "outbox").FindOne(context.Background(), bson.D{{Key: "_id", Value: oid}}).Decode(&doc); err != nil {
			if !errors.Is(err, mongo.ErrNoDocuments) {
				t.Errorf("read back message %s from the outbox: %v", id, err)
			}
			return "", false
		}
		return doc.MemberID, true
	}
}

// collection is one collection of the upstream, through a direct client.
func (u *upstream) collection(t *testing.T, name string) *mongo.Collection {
	u.once.Do(func() {
		c, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + u.addr + "/"))
		if err != nil {
			panic(err)
		}
		u.admin = c
		t.Cleanup(func() { _ = c.Disconnect(context.Background()) })
	})
	return u.admin.Database(u.database).Collection(name)
}

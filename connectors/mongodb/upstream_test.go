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
	t.Cleanup(func() {
		c, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + addr + "/"))
		if err == nil {
			_ = c.Database(db).Drop(context.Background())
			_ = c.Disconnect(context.Background())
		}
	})
	return &upstream{database: db, proxy: connectortest.NewProxy(t, addr), secret: "loyalty-app-7f3k9q"}
}

// uri carries a secret in appName so that the checks can look for it.
func (u *upstream) uri() string {
	return "mongodb://" + u.proxy.Addr + "/?directConnection=true&serverSelectionTimeoutMS=2000&appName=" + u.secret
}

const config = `
uri: %q
database: %s
max_pool_size: 8
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
    channel: loyalty
    type: $.kind
    type_values: {earn: points_earned, redeem: points_redeemed}
    attributes: {points: $.points}
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

package mongodb_test

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

// A mongodb instance over a loyalty program's members: one find with $in
// answers a whole batch of keys, in the keys' order, nil for a key without a
// record.
func Example() {
	addr, err := exampleUpstream()
	if err != nil {
		fmt.Println(err)
		return
	}
	conn, err := connectortest.TryBuild("mongodb", `
uri: mongodb://`+addr+`/
database: example_loyalty
profiles:
  collection: members
  filter: {member_id: {$in: ":keys"}}
  mapping:
    key: $.member_id
    fields: {given_name: $.first, tier: $.tier, points: $.points}
`, connectors.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = conn.Close() }()
	keys := []string{"M-8", "M-0", "M-7"}
	out, err := conn.(connectors.ProfileSource).Profiles(context.Background(), keys)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, p := range out {
		if p == nil {
			fmt.Println(keys[i], "not found")
			continue
		}
		fmt.Println(p.Key, p.Fields["given_name"], p.Fields["tier"], p.Fields["points"])
	}
	// Output:
	// M-8 Lea silver 40
	// M-0 not found
	// M-7 Tom gold 1200
}

// exampleUpstream loads the example's members into the package's embedded
// FerretDB.
func exampleUpstream() (string, error) {
	addr, err := startFerret()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + addr + "/"))
	if err != nil {
		return "", err
	}
	defer func() { _ = client.Disconnect(ctx) }()
	coll := client.Database("example_loyalty").Collection("members")
	_ = coll.Drop(ctx)
	_, err = coll.InsertMany(ctx, []any{
		bson.D{{Key: "member_id", Value: "M-7"}, {Key: "first", Value: "Tom"}, {Key: "tier", Value: "gold"}, {Key: "points", Value: 1200}},
		bson.D{{Key: "member_id", Value: "M-8"}, {Key: "first", Value: "Lea"}, {Key: "tier", Value: "silver"}, {Key: "points", Value: 40}},
	})
	return addr, err
}

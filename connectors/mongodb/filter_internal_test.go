package mongodb

import (
	"reflect"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/harmonyhq/harmony/connectors"
)

func TestBindLeavesOutOpenBounds(t *testing.T) {
	const filter = `
member_id: {$in: ":keys"}
at: {$gte: ":since", $lte: ":until"}
$and: [{at: {$gte: ":since"}}, {kind: earn}]
status: {$ne: closed}
`
	b, err := connectors.ParseBlock([]byte(filter))
	if err != nil {
		t.Fatal(err)
	}
	var n connectors.Value
	if err := b.Decode(&n); err != nil {
		t.Fatal(err)
	}
	q, err := compile(connectors.CapOrders, Find{Collection: "c", Filter: n}, true)
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	until := since.Add(time.Hour)
	keys := []string{"a", "b"}
	for _, tc := range []struct {
		name string
		v    values
		want bson.D
	}{
		{"both bounds", values{keys: keys, since: since, until: until}, bson.D{
			{Key: "member_id", Value: bson.D{{Key: "$in", Value: keys}}},
			{Key: "at", Value: bson.D{{Key: "$gte", Value: since}, {Key: "$lte", Value: until}}},
			{Key: "$and", Value: bson.A{bson.D{{Key: "at", Value: bson.D{{Key: "$gte", Value: since}}}}, bson.D{{Key: "kind", Value: "earn"}}}},
			{Key: "status", Value: bson.D{{Key: "$ne", Value: "closed"}}},
		}},
		{"until only", values{keys: keys, until: until}, bson.D{
			{Key: "member_id", Value: bson.D{{Key: "$in", Value: keys}}},
			{Key: "at", Value: bson.D{{Key: "$lte", Value: until}}},
			{Key: "$and", Value: bson.A{bson.D{{Key: "kind", Value: "earn"}}}},
			{Key: "status", Value: bson.D{{Key: "$ne", Value: "closed"}}},
		}},
		{"no bounds", values{keys: keys}, bson.D{
			{Key: "member_id", Value: bson.D{{Key: "$in", Value: keys}}},
			{Key: "$and", Value: bson.A{bson.D{{Key: "kind", Value: "earn"}}}},
			{Key: "status", Value: bson.D{{Key: "$ne", Value: "closed"}}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := q.bind(tc.v); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("bind:\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestPlainConvertsBSONTypes(t *testing.T) {
	at := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	oid := bson.NewObjectIDFromTimestamp(at)
	dec, err := bson.ParseDecimal128("129.90")
	if err != nil {
		t.Fatal(err)
	}
	got := plain(bson.D{
		{Key: "id", Value: oid}, {Key: "at", Value: bson.NewDateTimeFromTime(at)}, {Key: "total", Value: dec},
		{Key: "n", Value: int32(3)}, {Key: "tags", Value: bson.A{"a", int32(1)}}, {Key: "none", Value: bson.Null{}},
	})
	want := map[string]any{"id": oid.Hex(), "at": "2026-02-03T04:05:06Z", "total": "129.90", "n": int64(3), "tags": []any{"a", int64(1)}, "none": nil}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plain:\n got %#v\nwant %#v", got, want)
	}
}

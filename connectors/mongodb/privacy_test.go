package mongodb_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

func build(t *testing.T, u *upstream) connectors.Connector {
	t.Helper()
	return connectortest.Build(t, "mongodb", u.config(), connectors.Env{Name: "loyalty"})
}

func countDocs(t *testing.T, u *upstream, coll string, filter bson.D) int64 {
	t.Helper()
	n, err := u.collection(t, coll).CountDocuments(t.Context(), filter)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The window's limit is applied by the database: an old document that
// does not match the mapping is never read while a page does not reach it.
func TestLimitPushedDown(t *testing.T) {
	u := newUpstream(t)
	_, err := u.collection(t, "purchases").InsertOne(t.Context(), bson.D{{Key: "_id", Value: "P-old"},
		{Key: "member_id", Value: "M-1001"}, {Key: "at", Value: t0.AddDate(-1, 0, 0)}, {Key: "amount", Value: bson.D{{Key: "cents", Value: "twelve"}, {Key: "currency", Value: "EUR"}}}})
	if err != nil {
		t.Fatal(err)
	}
	os := build(t, u).(connectors.OrderSource)
	for _, tc := range []struct {
		limit int
		want  [][]string
		code  connectors.Code
	}{
		{1, [][]string{{"P-4"}, {"P-9"}, {"P-4"}}, ""},
		{3, [][]string{{"P-4", "P-3", "P-2"}, {"P-9"}, {"P-4", "P-3", "P-2"}}, ""},
		{6, nil, connectors.CodeBadResponse}, // reaches P-old
	} {
		got, err := os.Orders(t.Context(), []string{"M-1001", "M-1002", "M-1001"}, connectors.Window{Limit: tc.limit})
		if tc.code != "" {
			if connectors.CodeOf(err) != tc.code {
				t.Errorf("limit %d: err = %v, want %s", tc.limit, err, tc.code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("limit %d: %v", tc.limit, err)
		}
		for i, list := range got {
			var ids []string
			for _, o := range list {
				ids = append(ids, o.ID)
			}
			if !slices.Equal(ids, tc.want[i]) {
				t.Errorf("limit %d: key %d got %v, want %v", tc.limit, i, ids, tc.want[i])
			}
		}
	}
	// The window's bounds still apply with the limit.
	got, err := os.Orders(t.Context(), []string{"M-1001"}, connectors.Window{Until: t0.Add(48 * time.Hour), Limit: 2})
	if err != nil || len(got[0]) != 2 || got[0][0].ID != "P-2" || got[0][1].ID != "P-1" {
		t.Errorf("until + limit: %+v, %v", got, err)
	}
}

// Erasure deletes the purchases and points and anonymises the member; the
// member's key is found once, then not again.
func TestErase(t *testing.T) {
	u := newUpstream(t)
	c := build(t, u)
	got, err := c.(connectors.Eraser).Erase(t.Context(), []string{"M-1002", "M-9999", "M-1002"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []connectors.EraseResult{{Found: true}, {Found: false}, {Found: true}}; !slices.Equal(got, want) {
		t.Errorf("erase = %v, want %v", got, want)
	}
	for coll, want := range map[string]int64{"purchases": 0, "points": 0} {
		if n := countDocs(t, u, coll, bson.D{{Key: "member_id", Value: "M-1002"}}); n != want {
			t.Errorf("%s of the erased member: %d, want %d", coll, n, want)
		}
	}
	if n := countDocs(t, u, "points", bson.D{{Key: "member_id", Value: "M-1001"}}); n != 1 {
		t.Errorf("points of a member not asked: %d, want 1", n)
	}
	if n := countDocs(t, u, "members", bson.D{{Key: "member_id", Value: "M-1002"}, {Key: "phone", Value: bson.D{{Key: "$exists", Value: true}}}}); n != 0 {
		t.Errorf("the erased member keeps a phone number")
	}
	again, err := c.(connectors.Eraser).Erase(t.Context(), []string{"M-1002"})
	if err != nil || again[0].Found {
		t.Errorf("erase again = %v, %v; want not found", again, err)
	}
	ps, err := c.(connectors.ProfileSource).Profiles(t.Context(), []string{"M-1002"})
	if err != nil || ps[0] != nil {
		t.Errorf("profile after erasure = %+v, %v; want none (the member is closed)", ps, err)
	}
}

func TestExport(t *testing.T) {
	u := newUpstream(t)
	got, err := build(t, u).(connectors.Exporter).Export(t.Context(), []string{"M-1003", "M-9999"})
	if err != nil {
		t.Fatal(err)
	}
	if got[1] != nil {
		t.Errorf("missing key exported %s", got[1])
	}
	var doc struct {
		Member    []map[string]any `json:"member"`
		Purchases []struct {
			ID     string `json:"_id"`
			At     string `json:"at"`
			Amount struct {
				Cents int64 `json:"cents"`
			} `json:"amount"`
		} `json:"purchases"`
	}
	if err := json.Unmarshal(got[0], &doc); err != nil {
		t.Fatalf("%s: %v", got[0], err)
	}
	if len(doc.Member) != 1 || doc.Member[0]["member_id"] != "M-1003" || doc.Member[0]["updated"] != nil || doc.Member[0]["_id"] != nil {
		t.Errorf("member section = %v (the projection hides _id and updated)", doc.Member)
	}
	if len(doc.Purchases) != 1 || doc.Purchases[0].ID != "P-10" || doc.Purchases[0].Amount.Cents != 700 || doc.Purchases[0].At != "2026-03-01T11:00:00Z" {
		t.Errorf("purchases section = %+v", doc.Purchases)
	}
}

// insertOne per message; a repeated idempotency key returns the document
// already queued; a channel not configured is refused alone.
func TestSend(t *testing.T) {
	u := newUpstream(t)
	s := build(t, u).(connectors.MessageSender)
	msgs := []connectors.OutboundMessage{
		{CustomerKey: "M-1001", Channel: connectors.ChannelWhatsApp, Template: "points_expiring", Params: map[string]string{"points": "120"}, IdempotencyKey: "x-1"},
		{CustomerKey: "M-1002", Channel: connectors.ChannelSMS, Body: "never sent", IdempotencyKey: "x-2"},
		{CustomerKey: "M-1003", Channel: connectors.ChannelEmail, Body: "Bonjour", IdempotencyKey: "x-3"},
	}
	got, err := s.SendMessages(t.Context(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].MessageID == "" || got[0].Status != "queued" || got[2].MessageID == "" || got[0].MessageID == got[2].MessageID {
		t.Errorf("results = %+v", got)
	}
	if got[1].Err == nil || got[1].Err.Code != connectors.CodeRejected {
		t.Errorf("sms message = %+v, want refused", got[1])
	}
	var doc struct {
		MemberID string `bson:"member_id"`
		Channel  string `bson:"channel"`
		Message  struct {
			Text     *string           `bson:"text"`
			Template string            `bson:"template"`
			Params   map[string]string `bson:"params"`
		} `bson:"message"`
	}
	oid, _ := bson.ObjectIDFromHex(got[0].MessageID)
	if err := u.collection(t, "outbox").FindOne(t.Context(), bson.D{{Key: "_id", Value: oid}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if doc.MemberID != "M-1001" || doc.Channel != "whatsapp" || doc.Message.Template != "points_expiring" || doc.Message.Params["points"] != "120" {
		t.Errorf("outbox document = %+v", doc)
	}
	if doc.Message.Text != nil {
		t.Errorf("an empty body is stored: %+v", doc)
	}
	again, err := s.SendMessages(t.Context(), msgs[:1])
	if err != nil || again[0].MessageID != got[0].MessageID {
		t.Errorf("retry = %+v, %v; want message %s again", again, err, got[0].MessageID)
	}
	if n := countDocs(t, u, "outbox", bson.D{}); n != 2 {
		t.Errorf("outbox holds %d documents, want 2", n)
	}
}

func TestLookup(t *testing.T) {
	u := newUpstream(t)
	got, err := build(t, u).(connectors.ProfileFinder).FindProfiles(t.Context(), []connectors.Identifier{
		{Kind: connectors.IdentifierEmail, Value: "ana@example.test"},
		{Kind: connectors.IdentifierLoyaltyCard, Value: "LC-00001001"}, // Ana again
		{Kind: connectors.IdentifierPhone, Value: "+33612000002"},
		{Kind: connectors.IdentifierWhatsApp, Value: "+33612000002"}, // a kind the filter does not search
	})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, p := range got {
		keys = append(keys, p.Key)
	}
	slices.Sort(keys)
	if want := []string{"M-1001", "M-1002"}; !slices.Equal(keys, want) {
		t.Errorf("found %v, want %v", keys, want)
	}
}

package jsonmap_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

func doc(t *testing.T, s string) any {
	t.Helper()
	d, err := jsonmap.DecodeBytes([]byte(s))
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return d
}

func TestValues(t *testing.T) {
	d := doc(t, `{"a": {"b": "x", "n": 12, "f": 129.90, "big": 12345678901234567890, "e": 1e3, "t": true, "null": null,
		"list": [{"k": 1, "v": "one"}, {"k": 2, "v": "two"}], "o": {"z": 1}}}`)
	for _, tc := range []struct {
		src  string
		want string
		ok   bool
		err  bool
	}{
		{"$.a.b", "x", true, false},
		{"$.a.n", "12", true, false},
		{"$.a.f", "129.9", true, false},
		{"$.a.big", "12345678901234567890", true, false},
		{"$.a.e", "1000", true, false},
		{"$.a.t", "true", true, false},
		{"$.a.null", "", false, false},
		{"$.a.absent", "", false, false},
		{"$.a.list[1].v", "two", true, false},
		{"$.a.list[?(@.k == 2)].v", "two", true, false},
		{"$.a.list[?(@.k > 1)].v", "two", true, false},
		{"$['a']['b']", "x", true, false},
		{"$.a.o", "", false, true},
		{"whatsapp", "whatsapp", true, false},
		{"$$5 off", "$5 off", true, false},
		{"", "", false, false},
	} {
		t.Run(tc.src, func(t *testing.T) {
			v, err := jsonmap.Compile("k", tc.src)
			if err != nil {
				t.Fatal(err)
			}
			got, ok, err := v.Text(d)
			if (err != nil) != tc.err || got != tc.want || ok != tc.ok {
				t.Errorf("Text = %q, %v, %v; want %q, %v, err %v", got, ok, err, tc.want, tc.ok, tc.err)
			}
		})
	}
}

func TestCount(t *testing.T) {
	d := doc(t, `{"n": 230, "s": "42", "zero": 0, "neg": -1, "frac": 1.5, "word": "many", "null": null, "o": {}}`)
	for _, tc := range []struct {
		src  string
		want int
		ok   bool
		err  bool
	}{
		{"$.n", 230, true, false},
		{"$.s", 42, true, false},
		{"$.zero", 0, true, false},
		{"$.absent", 0, false, false},
		{"$.null", 0, false, false},
		{"", 0, false, false},
		{"$.neg", 0, false, true},
		{"$.frac", 0, false, true},
		{"$.word", 0, false, true},
		{"$.o", 0, false, true},
	} {
		v, err := jsonmap.Compile("total", tc.src)
		if err != nil {
			t.Fatal(err)
		}
		got, ok, err := v.Count(d)
		if (err != nil) != tc.err || got != tc.want || ok != tc.ok {
			t.Errorf("Count(%s) = %d, %v, %v; want %d, %v, err %v", tc.src, got, ok, err, tc.want, tc.ok, tc.err)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	for _, src := range []string{"$.a[", "$foo", "$.a b", "$[?(@.x ==]"} {
		_, err := jsonmap.Compile("orders.items.sku", src)
		var ce *connectors.ConfigError
		if !errors.As(err, &ce) || ce.Key != "orders.items.sku" || !strings.Contains(ce.Reason, "invalid JSONPath") {
			t.Errorf("Compile(%q) = %v", src, err)
		}
	}
}

func TestText(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{json.Number("1.5e3"), "1500"},
		{json.Number("1.25e-2"), "0.0125"},
		{json.Number("-0.5"), "-0.5"},
		{1e21, "1000000000000000000000"},
		{0.000001, "0.000001"},
		{int64(-7), "-7"},
		{false, "false"},
		{nil, ""},
	} {
		got, err := jsonmap.Text(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Text(%v) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   any
		want time.Time
		err  bool
	}{
		{"2024-05-01T10:00:00Z", want, false},
		{"2024-05-01T12:00:00+02:00", want, false},
		{"2024-05-01T10:00:00.250Z", want.Add(250 * time.Millisecond), false},
		{"2024-05-01T10:00:00", want, false},
		{"2024-05-01 10:00:00", want, false},
		{"2024-05-01T10:00:00+0000", want, false},
		{"2024-05-01", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), false},
		{int64(1714557600), want, false},
		{float64(1714557600), want, false},
		{json.Number("1714557600"), want, false},
		{json.Number("1714557600.5"), want.Add(500 * time.Millisecond), false},
		{int64(1714557600000), want, false},
		{"1714557600000", want, false},
		{"1714557600", want, false},
		{nil, time.Time{}, false},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, true},
		{"2024-13-01T00:00:00Z", time.Time{}, true},
		{true, time.Time{}, true},
	} {
		got, err := jsonmap.ParseTime(tc.in)
		if (err != nil) != tc.err || !got.Equal(tc.want) {
			t.Errorf("ParseTime(%#v) = %v, %v; want %v, err %v", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && strings.Contains(err.Error(), fmt.Sprint(tc.in)) {
			t.Errorf("error %q repeats the value", err)
		}
	}
}

func TestParseAmount(t *testing.T) {
	for _, tc := range []struct {
		amount   any
		unit     string
		currency string
		want     connectors.Money
		err      bool
	}{
		{"129.90", "", "EUR", connectors.Money{Minor: 12990, Currency: "EUR"}, false},
		{"129.9", "major", "eur", connectors.Money{Minor: 12990, Currency: "EUR"}, false},
		{129.9, "", "EUR", connectors.Money{Minor: 12990, Currency: "EUR"}, false},
		{json.Number("129.90"), "", "EUR", connectors.Money{Minor: 12990, Currency: "EUR"}, false},
		{json.Number("1.2999e2"), "", "EUR", connectors.Money{Minor: 12999, Currency: "EUR"}, false},
		{"129.9000", "", "EUR", connectors.Money{Minor: 12990, Currency: "EUR"}, false},
		{"-5.00", "", "USD", connectors.Money{Minor: -500, Currency: "USD"}, false},
		{int64(42), "", "EUR", connectors.Money{Minor: 4200, Currency: "EUR"}, false},
		{"1500", "", "JPY", connectors.Money{Minor: 1500, Currency: "JPY"}, false},
		{"1.234", "", "KWD", connectors.Money{Minor: 1234, Currency: "KWD"}, false},
		{int64(12990), "minor", "EUR", connectors.Money{Minor: 12990, Currency: "EUR"}, false},
		{"12990", "minor", "EUR", connectors.Money{Minor: 12990, Currency: "EUR"}, false},
		{float64(12990), "minor", "EUR", connectors.Money{Minor: 12990, Currency: "EUR"}, false},
		{"129.999", "", "EUR", connectors.Money{}, true},
		{"15.5", "", "JPY", connectors.Money{}, true},
		{129.5, "minor", "EUR", connectors.Money{}, true},
		{"abc", "", "EUR", connectors.Money{}, true},
		{"1/2", "", "EUR", connectors.Money{}, true},
		{"10", "", "EURO", connectors.Money{}, true},
		{"10", "", "", connectors.Money{}, true},
		{"99999999999999999999", "", "EUR", connectors.Money{}, true},
	} {
		got, err := jsonmap.ParseAmount(tc.amount, tc.unit, tc.currency)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseAmount(%#v, %q, %q) = %+v, %v; want %+v, err %v", tc.amount, tc.unit, tc.currency, got, err, tc.want, tc.err)
		}
	}
}

func TestProfiles(t *testing.T) {
	m, err := jsonmap.ProfileMapping{
		Records:   "$.results",
		Key:       "$.id",
		UpdatedAt: "$.updatedAt",
		Fields: map[string]string{
			"email": "$.props.email", "given_name": "$.props.first", "phone": "$.props.phone",
			"tags": "$.props.tags", "source": "crm", "score": "$.props.score",
		},
	}.Compile("profiles")
	if err != nil {
		t.Fatal(err)
	}
	got, err := mapProfiles(t, m, `{"results": [
		{"id": 101, "updatedAt": 1714557600000, "props": {"email": "a@x.io", "first": "Ana", "phone": null, "tags": ["vip", "eu"], "score": 4.5}},
		null,
		{"id": "102", "props": {"email": "", "first": "Bea"}}
	]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Profile{
		{Key: "101", UpdatedAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), Fields: map[string]string{
			"email": "a@x.io", "given_name": "Ana", "tags": `["vip","eu"]`, "source": "crm", "score": "4.5"}},
		{Key: "102", Fields: map[string]string{"given_name": "Bea", "source": "crm"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}

	_, err = mapProfiles(t, m, `{"results": [{"id": 1}, {"name": "secret-customer-name"}]}`)
	if connectors.CodeOf(err) != connectors.CodeBadResponse || !strings.Contains(err.Error(), "record 1: key ($.id): missing") {
		t.Errorf("missing key: %v", err)
	}
	_, err = mapProfiles(t, m, `{"results": [{"id": 1, "updatedAt": "secret-value"}]}`)
	if connectors.CodeOf(err) != connectors.CodeBadResponse || strings.Contains(err.Error(), "secret-value") || !strings.Contains(err.Error(), "updated_at") {
		t.Errorf("bad time: %v", err)
	}
}

func TestRecords(t *testing.T) {
	m, _ := jsonmap.ProfileMapping{Records: "$.data.items[*]", Key: "$.id"}.Compile("")
	whole, _ := jsonmap.ProfileMapping{Key: "$.id"}.Compile("")
	for _, tc := range []struct {
		m    *jsonmap.Profiles
		doc  string
		keys []string
	}{
		{m, `{"data": {"items": [{"id": "a"}, {"id": "b"}]}}`, []string{"a", "b"}},
		{m, `{"data": {"items": [{"id": "a"}]}}`, []string{"a"}},
		{m, `{"data": {"items": []}}`, nil},
		{m, `{"data": {}}`, nil},
		{m, `{"data": null}`, nil},
		{whole, `[{"id": "a"}, null, {"id": "b"}]`, []string{"a", "b"}},
		{whole, `{"id": "single"}`, []string{"single"}},
		{whole, `null`, nil},
	} {
		got, err := mapProfiles(t, tc.m, tc.doc)
		if err != nil {
			t.Errorf("%s: %v", tc.doc, err)
			continue
		}
		var keys []string
		for _, p := range got {
			keys = append(keys, p.Key)
		}
		if !reflect.DeepEqual(keys, tc.keys) {
			t.Errorf("%s: keys %v, want %v", tc.doc, keys, tc.keys)
		}
	}
}

// TestUnexpectedShapes: a response without its records where the mapping
// expects them is UPSTREAM_BAD_RESPONSE, naming the path and never a value,
// rather than an answer without records (issue 15: a system answering 200
// with another shape silently lost its profile data). Nulls stay "none".
func TestUnexpectedShapes(t *testing.T) {
	data, _ := jsonmap.ProfileMapping{Records: "$.data", Key: "$.id"}.Compile("")
	nested, _ := jsonmap.ProfileMapping{Records: "$.data.customer.items", Key: "$.id"}.Compile("")
	indexed, _ := jsonmap.ProfileMapping{Records: "$.pages[0].items", Key: "$.id"}.Compile("")
	wildcard, _ := jsonmap.ProfileMapping{Records: "$.data[*]", Key: "$.id"}.Compile("")
	whole, _ := jsonmap.ProfileMapping{Key: "$.id"}.Compile("")
	orders, _ := jsonmap.OrderMapping{Records: "$.orders", CustomerKey: "$.c", ID: "$.id", PlacedAt: "$.at"}.Compile("")
	interactions, _ := jsonmap.InteractionMapping{Records: "$.events", CustomerKey: "$.c", ID: "$.id", OccurredAt: "$.at", Channel: "chat", Type: "message"}.Compile("")
	mapOrders := func(d string) (int, error) { l, err := mapOrders(t, orders, d); return len(l), err }
	mapInteractions := func(d string) (int, error) { l, err := mapInteractions(t, interactions, d); return len(l), err }
	profiles := func(m *jsonmap.Profiles) func(string) (int, error) {
		return func(d string) (int, error) { l, err := mapProfiles(t, m, d); return len(l), err }
	}
	for _, tc := range []struct {
		name   string
		m      func(string) (int, error)
		doc    string
		want   int    // records, when no error
		errSub string // "" for no error
	}{
		{"the records", profiles(data), `{"data": [{"id": "a"}]}`, 1, ""},
		{"one record object", profiles(data), `{"data": {"id": "a"}}`, 1, ""},
		{"an empty list", profiles(data), `{"data": []}`, 0, ""},
		{"null records", profiles(data), `{"data": null}`, 0, ""},
		{"a null response", profiles(data), `null`, 0, ""},
		{"null on the way", profiles(nested), `{"data": {"customer": null}}`, 0, ""},
		{"an index past the end", profiles(indexed), `{"pages": []}`, 0, ""},
		{"a wildcard over nothing", profiles(wildcard), `{"data": []}`, 0, ""},
		{"the path is missing", profiles(data), `{"error": "maintenance 33612345678"}`, 0, `records ($.data) finds no member "data"`},
		{"a member is missing on the way", profiles(nested), `{"data": {"client": {}}}`, 0, `finds no member "customer"`},
		{"a string for the records", profiles(data), `{"data": "33612345678"}`, 0, "selects a string, not a list or an object"},
		{"a number for the records", profiles(data), `{"data": 33612345678}`, 0, "selects a number"},
		{"a list of strings", profiles(data), `{"data": ["33612345678"]}`, 0, "entry 0 is a string, not a record"},
		{"a list of lists", profiles(data), `{"data": [[{"id": "a"}]]}`, 0, "entry 0 is a list"},
		{"a member of a list", profiles(nested), `{"data": [{"customer": {}}]}`, 0, `finds a list where it names the member "customer"`},
		{"a member of a string", profiles(nested), `{"data": "x"}`, 0, "finds a string where it names a member"},
		{"a whole response that is a string", profiles(whole), `"ok"`, 0, "records (the whole response) selects a string"},
		{"orders missing", mapOrders, `{"results": []}`, 0, `records ($.orders) finds no member "orders"`},
		{"interactions missing", mapInteractions, `{}`, 0, `records ($.events) finds no member "events"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := tc.m(tc.doc)
			if tc.errSub == "" {
				if err != nil || n != tc.want {
					t.Fatalf("%d records, %v; want %d", n, err, tc.want)
				}
				return
			}
			if connectors.CodeOf(err) != connectors.CodeBadResponse || !strings.Contains(err.Error(), tc.errSub) {
				t.Fatalf("err = %v, want UPSTREAM_BAD_RESPONSE saying %q", err, tc.errSub)
			}
			if strings.Contains(err.Error(), "33612345678") || strings.Contains(err.Error(), "maintenance") {
				t.Errorf("the error repeats the response: %v", err)
			}
		})
	}
}

func TestOrders(t *testing.T) {
	m, err := jsonmap.OrderMapping{
		Records: "$.orders", CustomerKey: "$.customer.id", ID: "$.id", PlacedAt: "$.created",
		Status: "$.status", Channel: "online", Total: "$.total", Currency: "$.currency", TotalUnit: "minor",
		Items: &jsonmap.ItemMapping{Records: "$.lines", SKU: "$.sku", Name: "$.title", Quantity: "$.qty", UnitPrice: "$.price", Currency: "$.cur"},
	}.Compile("orders")
	if err != nil {
		t.Fatal(err)
	}
	got, err := mapOrders(t, m, `{"orders": [{"id": 9, "customer": {"id": 7}, "created": "2024-05-01T10:00:00Z", "status": "paid",
		"total": 12990, "currency": "eur", "lines": [{"sku": "A", "title": "Shirt", "qty": "2", "price": "49.95"},
		{"sku": "B", "qty": 1, "price": 3000, "cur": "JPY"}]}]}`)
	if err != nil {
		t.Fatal(err)
	}
	want := []connectors.Order{{ID: "9", CustomerKey: "7", PlacedAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), Status: "paid",
		Channel: "online", Total: connectors.Money{Minor: 12990, Currency: "EUR"}, Items: []connectors.OrderItem{
			{SKU: "A", Name: "Shirt", Quantity: 2, UnitPrice: connectors.Money{Minor: 4995, Currency: "EUR"}},
			{SKU: "B", Quantity: 1, UnitPrice: connectors.Money{Minor: 3000, Currency: "JPY"}},
		}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	for _, bad := range []struct{ doc, want string }{
		{`{"orders": [{"id": 1, "customer": {"id": 7}}]}`, "placed_at ($.created): missing"},
		{`{"orders": [{"customer": {"id": 7}, "created": 1}]}`, "id ($.id): missing"},
		{`{"orders": [{"id": 1, "customer": {"id": 7}, "created": 1, "total": 10}]}`, "currency ($.currency): missing"},
		{`{"orders": [{"id": 1, "customer": {"id": 7}, "created": 1, "total": 10.5, "currency": "EUR"}]}`, "total ($.total)"},
		{`{"orders": [{"id": 1, "customer": {"id": 7}, "created": 1, "lines": [{"qty": 1.5}]}]}`, "item 0: items.quantity ($.qty)"},
	} {
		_, err := mapOrders(t, m, bad.doc)
		if connectors.CodeOf(err) != connectors.CodeBadResponse || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: %v, want %q", bad.doc, err, bad.want)
		}
	}
}

func TestOrderMappingErrors(t *testing.T) {
	for _, tc := range []struct {
		m   jsonmap.OrderMapping
		key string
	}{
		{jsonmap.OrderMapping{PlacedAt: "$.t"}, "o.id"},
		{jsonmap.OrderMapping{ID: "$.id"}, "o.placed_at"},
		{jsonmap.OrderMapping{ID: "$.id", PlacedAt: "$.t", Total: "$.x"}, "o.currency"},
		{jsonmap.OrderMapping{ID: "$.id", PlacedAt: "$.t", TotalUnit: "cents"}, "o.total_unit"},
		{jsonmap.OrderMapping{ID: "$.id", PlacedAt: "$.t", Items: &jsonmap.ItemMapping{SKU: "$.s"}}, "o.items.records"},
		{jsonmap.OrderMapping{ID: "$.id", PlacedAt: "$.t", Items: &jsonmap.ItemMapping{Records: "$.l", UnitPrice: "$.p"}}, "o.items.currency"},
		{jsonmap.OrderMapping{ID: "$.id", PlacedAt: "$.t", Items: &jsonmap.ItemMapping{Records: "$.l", Name: "$.[["}}, "o.items.name"},
	} {
		_, err := tc.m.Compile("o")
		var ce *connectors.ConfigError
		if !errors.As(err, &ce) || ce.Key != tc.key {
			t.Errorf("%+v: %v, want key %s", tc.m, err, tc.key)
		}
	}
}

func TestInteractions(t *testing.T) {
	m, err := jsonmap.InteractionMapping{
		Records: "$.events", CustomerKey: "$.contact", ID: "$.id", OccurredAt: "$.at", Channel: "$.via", Type: "call",
		Direction: "$.dir", Summary: "$.subject", Status: "$.state", ThreadRef: "$.thread", DurationSeconds: "$.secs",
		FirstResponseAt: "$.first", ResolvedAt: "$.closed",
		Attributes: map[string]string{"agent": "$.agent.name", "queue": "$.queue", "source": "pbx"},
	}.Compile("interactions")
	if err != nil {
		t.Fatal(err)
	}
	got, err := mapInteractions(t, m, `{"events": [
		{"id": "c1", "contact": "k", "at": 1714557600, "via": "phone", "dir": "inbound", "secs": 90.5, "first": null,
		 "closed": "2024-05-01T10:05:00Z", "agent": {"name": "Rita"}, "queue": null},
		{"id": "c2", "contact": "k", "at": "2024-05-01T11:00:00Z", "secs": "60"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	want := []connectors.Interaction{
		{ID: "c1", CustomerKey: "k", Channel: "phone", Type: "call", Direction: "inbound", OccurredAt: at,
			Duration: 90*time.Second + 500*time.Millisecond, ResolvedAt: at.Add(5 * time.Minute),
			Attributes: map[string]string{"agent": "Rita", "source": "pbx"}},
		{ID: "c2", CustomerKey: "k", Type: "call", OccurredAt: at.Add(time.Hour), Duration: time.Minute,
			Attributes: map[string]string{"source": "pbx"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	_, err = mapInteractions(t, m, `{"events": [{"id": "c1", "contact": "k", "at": 1, "secs": "long"}]}`)
	if connectors.CodeOf(err) != connectors.CodeBadResponse || !strings.Contains(err.Error(), "duration_seconds") {
		t.Errorf("bad duration: %v", err)
	}
}

func TestAlign(t *testing.T) {
	ps := jsonmap.AlignProfiles([]string{"b", "x", "a", "b"}, []connectors.Profile{{Key: "a"}, {Key: "b"}, {Key: "c"}})
	if ps[0].Key != "b" || ps[1] != nil || ps[2].Key != "a" || ps[3].Key != "b" || ps[0] == ps[3] {
		t.Errorf("profiles %+v", ps)
	}
	day := func(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }
	orders := []connectors.Order{
		{ID: "1", CustomerKey: "a", PlacedAt: day(1)}, {ID: "2", CustomerKey: "a", PlacedAt: day(3)},
		{ID: "3", CustomerKey: "a", PlacedAt: day(2)}, {ID: "4", CustomerKey: "a", PlacedAt: day(3)},
		{ID: "5", CustomerKey: "z", PlacedAt: day(2)},
	}
	out := jsonmap.AlignOrders([]string{"a", "b", "a"}, orders, connectors.Window{Since: day(2), Limit: 2})
	ids := func(l []connectors.Order) (s []string) {
		for _, o := range l {
			s = append(s, o.ID)
		}
		return s
	}
	if !reflect.DeepEqual(ids(out[0]), []string{"4", "2"}) || out[1] == nil || len(out[1]) != 0 || !reflect.DeepEqual(ids(out[2]), []string{"4", "2"}) {
		t.Errorf("orders %v %v %v", ids(out[0]), out[1], ids(out[2]))
	}
	all := jsonmap.AlignOrders([]string{"a"}, orders, connectors.Window{Until: day(2)})
	if !reflect.DeepEqual(ids(all[0]), []string{"3", "1"}) {
		t.Errorf("until: %v", ids(all[0]))
	}
}

func TestValueMaps(t *testing.T) {
	m, err := jsonmap.InteractionMapping{
		CustomerKey: "$.m", ID: "$.id", OccurredAt: "$.at", Channel: "email", Type: "$.action", Status: "$.s",
		TypeValues:   jsonmap.ValueMap{"sent": "email_sent", "open": "email_opened", "click": "email_clicked"},
		StatusValues: jsonmap.ValueMap{"ok": "delivered", "*": "other"},
	}.Compile("interactions")
	if err != nil {
		t.Fatal(err)
	}
	got, err := mapInteractions(t, m, `[{"m": "a", "id": 1, "at": 1, "action": "open", "s": "ok"},
		{"m": "a", "id": 2, "at": 1, "action": "bounce", "s": "weird"},
		{"m": "a", "id": 3, "at": 1}]`)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][2]string{{"email_opened", "delivered"}, {"bounce", "other"}, {"", ""}} {
		if got[i].Type != want[0] || got[i].Status != want[1] {
			t.Errorf("record %d: type %q status %q, want %v", i, got[i].Type, got[i].Status, want)
		}
	}
	o, err := jsonmap.OrderMapping{ID: "$.id", PlacedAt: "$.at", Status: "$.s", Channel: "$.c",
		StatusValues: jsonmap.ValueMap{"PAID": "paid"}, ChannelValues: jsonmap.ValueMap{"web": "online", "*": "store"}}.Compile("orders")
	if err != nil {
		t.Fatal(err)
	}
	os, err := mapOrders(t, o, `[{"id": 1, "at": 1, "s": "PAID", "c": "pos-12"}]`)
	if err != nil || os[0].Status != "paid" || os[0].Channel != "store" {
		t.Errorf("order %+v %v", os, err)
	}
	_, err = jsonmap.InteractionMapping{ID: "$.id", OccurredAt: "$.at", TypeValues: jsonmap.ValueMap{"": "x"}}.Compile("interactions")
	var ce *connectors.ConfigError
	if !errors.As(err, &ce) || ce.Key != "interactions.type_values" {
		t.Errorf("empty value: %v", err)
	}
}

func TestRecordsMustBePaths(t *testing.T) {
	_, err := jsonmap.ProfileMapping{Records: "results", Key: "$.id"}.Compile("profiles")
	var ce *connectors.ConfigError
	if !errors.As(err, &ce) || ce.Key != "profiles.records" || !strings.Contains(ce.Reason, "JSONPath") {
		t.Errorf("literal records: %v", err)
	}
	_, err = jsonmap.OrderMapping{ID: "$.id", PlacedAt: "$.t", Items: &jsonmap.ItemMapping{Records: "lines"}}.Compile("orders")
	if !errors.As(err, &ce) || ce.Key != "orders.items.records" {
		t.Errorf("literal items.records: %v", err)
	}
}

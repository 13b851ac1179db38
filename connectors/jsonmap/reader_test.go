package jsonmap_test

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/ohler55/ojg/jp"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/internal/mapcheck"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// mapper is a compiled mapping.
type mapper[T any] interface {
	Map(doc any) ([]T, error)
	Reader(probes ...jsonmap.Value) *jsonmap.Reader[T]
}

// readBoth maps the JSON document src the general way (DecodeBytes, then
// Map) and with the one-pass reader, fails the test unless both give the
// same records or the same error, and returns the general answer. direct
// reports whether the reader read src itself rather than handing it to the
// general path.
//
// A wildcard over an object makes the general path's order that of a Go map
// (records, or the entry an error names), so the reader's answer must be
// one the general path gives, in a few tries.
func readBoth[T any](t testing.TB, m mapper[T], src string, probes ...jsonmap.Value) read[T] {
	t.Helper()
	general := func() (any, []T, error) {
		d, err := jsonmap.DecodeBytes([]byte(src))
		if err != nil {
			return nil, nil, jsonmap.ErrNotJSON
		}
		list, err := m.Map(d)
		return d, list, err
	}
	d, list, err := general()
	r := m.Reader(probes...)
	rdoc, rlist, rerr := r.Read([]byte(src))
	if !sameError(err, rerr) || !reflect.DeepEqual(list, rlist) {
		// Try the general path again: when it varies, the reader's answer
		// must be one of its answers, or fail in the same way.
		varies := false
		for try := 0; try < 100 && (!sameError(err, rerr) || !reflect.DeepEqual(list, rlist)); try++ {
			_, l, e := general()
			varies = varies || !sameError(e, err) || !reflect.DeepEqual(l, list)
			list, err = l, e
		}
		if !sameError(err, rerr) || !reflect.DeepEqual(list, rlist) {
			if !varies || connectors.CodeOf(err) != connectors.CodeOf(rerr) || (err == nil) != (rerr == nil) {
				t.Fatalf("%s: Map\n%+v, %v\nRead\n%+v, %v", src, list, err, rlist, rerr)
			}
		}
	}
	if d != nil {
		for _, p := range probes {
			checkProbe(t, p, rdoc, d, src)
		}
	}
	restore := mapcheck.Set(mapcheck.Compare)
	defer restore()
	before, mismatches := mapcheck.Directs(), mapcheck.Mismatches()
	if _, _, cerr := r.Read([]byte(src)); mapcheck.Mismatches() != mismatches {
		t.Fatalf("%s: the one-pass read differs from the general path: %v", src, cerr)
	}
	return read[T]{list, err, mapcheck.Directs() > before}
}

// read is readBoth's answer.
type read[T any] struct {
	list   []T
	err    error
	direct bool
}

// checkProbe checks that p selects the same in the reader's document as in
// the whole document, but for the kind of a node on the way to the records.
func checkProbe(t testing.TB, p jsonmap.Value, rdoc, doc any, src string) {
	t.Helper()
	rv, rok := p.Get(rdoc)
	v, ok := p.Get(doc)
	if rok != ok {
		t.Fatalf("%s: probe %s found %v in the reader's document, %v in the whole", src, p, rok, ok)
	}
	switch v.(type) {
	case map[string]any:
		if _, same := rv.(map[string]any); !same {
			t.Fatalf("%s: probe %s: %#v, want an object", src, p, rv)
		}
	case []any:
		if _, same := rv.([]any); !same {
			t.Fatalf("%s: probe %s: %#v, want a list", src, p, rv)
		}
	default:
		if !reflect.DeepEqual(rv, v) {
			t.Fatalf("%s: probe %s: %#v, want %#v", src, p, rv, v)
		}
	}
	rs, rsok, rerr := p.Text(rdoc)
	s, sok, err := p.Text(doc)
	if rs != s || rsok != sok || !sameError(rerr, err) {
		t.Fatalf("%s: probe %s: Text %q %v %v, want %q %v %v", src, p, rs, rsok, rerr, s, sok, err)
	}
}

func sameError(a, b error) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	if a == nil {
		return true
	}
	return a.Error() == b.Error() && connectors.CodeOf(a) == connectors.CodeOf(b) && errors.Is(a, jsonmap.ErrNotJSON) == errors.Is(b, jsonmap.ErrNotJSON)
}

func mapProfiles(t testing.TB, m *jsonmap.Profiles, src string) ([]connectors.Profile, error) {
	t.Helper()
	r := readBoth[connectors.Profile](t, m, src)
	return r.list, r.err
}

func mapOrders(t testing.TB, m *jsonmap.Orders, src string) ([]connectors.Order, error) {
	t.Helper()
	r := readBoth[connectors.Order](t, m, src)
	return r.list, r.err
}

func mapInteractions(t testing.TB, m *jsonmap.Interactions, src string) ([]connectors.Interaction, error) {
	t.Helper()
	r := readBoth[connectors.Interaction](t, m, src)
	return r.list, r.err
}

// readerMappings are mappings of every kind, some the reader reads and some
// it hands to the general path (filters, negative indexes, wildcards in
// fields, items inside a node read whole).
var readerMappings = map[string]func() (string, func(testing.TB, string) bool){
	"profiles": func() (string, func(testing.TB, string) bool) {
		return "reader", profileCase(jsonmap.ProfileMapping{Records: "$.results", Key: "$.id", UpdatedAt: "$.at",
			Fields: map[string]string{"email": "$.p.email", "name": "$.p.name", "all": "$.p", "first": "$.p.tags[0]",
				"second": "$.p.tags[1]", "deep": "$.p.a.b.c", "lit": "crm", "root": "$.p2", "n": "$.n"}})
	},
	"profiles whole": func() (string, func(testing.TB, string) bool) {
		return "reader", profileCase(jsonmap.ProfileMapping{Key: "$.id", Fields: map[string]string{"x": "$.x", "self": "$"}})
	},
	"profiles indexed records": func() (string, func(testing.TB, string) bool) {
		return "reader", profileCase(jsonmap.ProfileMapping{Records: "$.pages[1].items", Key: "$.id", Fields: map[string]string{"x": "$.x"}})
	},
	"profiles wildcard records": func() (string, func(testing.TB, string) bool) {
		return "reader", profileCase(jsonmap.ProfileMapping{Records: "$.data[*].items[*]", Key: "$.id", Fields: map[string]string{"x": "$.x"}})
	},
	// A union of member names ends the path: the first name present.
	"profiles union": func() (string, func(testing.TB, string) bool) {
		return "reader", profileCase(jsonmap.ProfileMapping{Records: "$.results", Key: "$.id",
			Fields: map[string]string{"either": "$.p['name','email']", "top": "$['n','p2','id']", "deep": "$.p.a['b','x']", "list": "$.p['tags','all']"}})
	},
	"profiles union with an index": func() (string, func(testing.TB, string) bool) {
		return "general", profileCase(jsonmap.ProfileMapping{Records: "$.results", Key: "$.id", Fields: map[string]string{"x": "$.p[0,'name']"}})
	},
	"profiles union after a negative index": func() (string, func(testing.TB, string) bool) {
		return "general", profileCase(jsonmap.ProfileMapping{Records: "$.results", Key: "$.id", Fields: map[string]string{"x": "$.p.tags[-1]['a','b']"}})
	},
	"profiles filter": func() (string, func(testing.TB, string) bool) {
		return "general", profileCase(jsonmap.ProfileMapping{Records: "$.results", Key: "$.id",
			Fields: map[string]string{"email": "$.ids[?(@.type == 'email')].value"}})
	},
	"profiles negative index": func() (string, func(testing.TB, string) bool) {
		return "general", profileCase(jsonmap.ProfileMapping{Records: "$.results", Key: "$.id", Fields: map[string]string{"last": "$.p.tags[-1]"}})
	},
	"profiles recursive records": func() (string, func(testing.TB, string) bool) {
		return "general", profileCase(jsonmap.ProfileMapping{Records: "$..results", Key: "$.id"})
	},
	"orders": func() (string, func(testing.TB, string) bool) {
		return "reader", orderCase(jsonmap.OrderMapping{Records: "$.orders", CustomerKey: "$.customer.id", ID: "$.id",
			PlacedAt: "$.at", Status: "$.s", Channel: "$.c", Location: "$.loc.name", Total: "$.total", Currency: "$.cur",
			StatusValues: jsonmap.ValueMap{"PAID": "paid", "*": "other"}, ChannelValues: jsonmap.ValueMap{"web": "online"},
			Items: &jsonmap.ItemMapping{Records: "$.lines", SKU: "$.sku", Name: "$.t", Quantity: "$.q", UnitPrice: "$.p", Currency: "$.cur"}})
	},
	"orders minor": func() (string, func(testing.TB, string) bool) {
		return "reader", orderCase(jsonmap.OrderMapping{Records: "$.orders", CustomerKey: "$.customer.id", ID: "$.id",
			PlacedAt: "$.at", Total: "$.total", Currency: "EUR", TotalUnit: jsonmap.UnitMinor,
			Items: &jsonmap.ItemMapping{Records: "$.detail.lines", SKU: "$", UnitPrice: "$.p", Unit: jsonmap.UnitMinor}})
	},
	"orders items in a node read whole": func() (string, func(testing.TB, string) bool) {
		return "general", orderCase(jsonmap.OrderMapping{Records: "$.orders", CustomerKey: "$.customer.id", ID: "$.id",
			PlacedAt: "$.at", Location: "$.detail", Items: &jsonmap.ItemMapping{Records: "$.detail.lines", SKU: "$.sku"}})
	},
	"orders wildcard items": func() (string, func(testing.TB, string) bool) {
		return "general", orderCase(jsonmap.OrderMapping{Records: "$.orders", CustomerKey: "$.customer.id", ID: "$.id",
			PlacedAt: "$.at", Items: &jsonmap.ItemMapping{Records: "$.lines[*]", SKU: "$.sku"}})
	},
	"orders wildcard records": func() (string, func(testing.TB, string) bool) {
		return "reader", orderCase(jsonmap.OrderMapping{Records: "$.data.customers[*].orders[*]", CustomerKey: "$.customer.id", ID: "$.id",
			PlacedAt: "$.at", Total: "$.total", Currency: "$.cur", Items: &jsonmap.ItemMapping{Records: "$.lines", SKU: "$.sku", Quantity: "$.q"}})
	},
	"interactions": func() (string, func(testing.TB, string) bool) {
		return "reader", interactionCase(jsonmap.InteractionMapping{Records: "$.events", CustomerKey: "$.contact", ID: "$.id",
			OccurredAt: "$.at", Channel: "$.via", Type: "call", Direction: "$.dir", Summary: "$.subject", Status: "$.state",
			ThreadRef: "$.thread", DurationSeconds: "$.secs", FirstResponseAt: "$.first", ResolvedAt: "$.closed",
			TypeValues: jsonmap.ValueMap{"call": "call"}, DirectionValues: jsonmap.ValueMap{"in": "inbound"},
			Attributes: map[string]string{"agent": "$.agent.name", "queue": "$.queue", "source": "pbx", "tags": "$.tags"}})
	},
}

func profileCase(pm jsonmap.ProfileMapping) func(testing.TB, string) bool {
	return func(t testing.TB, src string) bool {
		m, err := pm.Compile("profiles")
		if err != nil {
			t.Fatal(err)
		}
		return readBoth[connectors.Profile](t, m, src).direct
	}
}

func orderCase(om jsonmap.OrderMapping) func(testing.TB, string) bool {
	return func(t testing.TB, src string) bool {
		m, err := om.Compile("orders")
		if err != nil {
			t.Fatal(err)
		}
		return readBoth[connectors.Order](t, m, src).direct
	}
}

func interactionCase(im jsonmap.InteractionMapping) func(testing.TB, string) bool {
	return func(t testing.TB, src string) bool {
		m, err := im.Compile("interactions")
		if err != nil {
			t.Fatal(err)
		}
		return readBoth[connectors.Interaction](t, m, src).direct
	}
}

// readerDocs are documents for every mapping of readerMappings: records
// where each expects them and elsewhere, values of every kind, repeated
// members, escapes, numbers and times of every form, and broken JSON.
var readerDocs = []string{
	`{"results": [{"id": 1, "at": "2024-05-01T10:00:00Z", "p": {"email": "a@x.io", "name": "Zoé", "tags": ["vip", "eu"], "a": {"b": {"c": 1.50}}}, "p2": {"z": [1, {"y": null}]}, "n": -0}]}`,
	`{"results": [{"id": "x", "p": {"email": "", "name": null, "tags": []}}, null, {"id": 12345678901234567890, "p": "scalar"}]}`,
	`{"results": [{"id": "a\u00e9\n\"", "p": {"email": "b\\/c", "name": "\ud800"}}, {"id": "dup", "id": "last", "p": {"email": "1"}, "p": {"name": "2"}}]}`,
	`{"results": [{"id": 1, "at": 1714557600000}, {"id": 2, "at": "1714557600.5"}, {"id": 3, "at": "2024-05-01 10:00:00"}, {"id": 4, "at": "2024-05-01T12:00:00+02:00"}]}`,
	`{"results": [{"id": 1, "at": "2024-05-01T10:00:00.123456789123Z"}, {"id": 2, "at": "2024-02-30T10:00:00Z"}]}`,
	`{"results": [{"id": 1, "at": "2024-05-01T10:00:00-00:30"}, {"id": 2, "at": " 2024-05-01T10:00:00Z "}, {"id": 3, "at": "2024-05-01"}]}`,
	`{"results": [{"id": 1, "at": "yesterday"}]}`,
	`{"results": [{"n": 1}]}`,
	`{"results": {"id": "single", "x": true}}`,
	`{"results": [], "next": "c2"}`,
	`{"results": null}`,
	`{"results": "33612345678"}`,
	`{"results": [1, 2]}`,
	`{"results": [[{"id": 1}]]}`,
	`{"error": "maintenance"}`,
	`{"results": [{"id": 1}], "results": [{"id": 2}]}`,
	`{"results": [{"id": 1}], "results": null}`,
	`[{"id": "w1", "x": 1}, null, {"id": "w2", "x": {"o": [1, 2]}}]`,
	`{"id": "whole", "x": "y"}`,
	`null`, `"text"`, `12`, `[]`, `{}`, ``, `{"results": [`, `{"results": [{"id": 1}]} trailing`, `{"results": [{"id": "\x"}]}`,
	"{\"results\": [{\"id\": \"\xff\xfe\"}]}", `{"results": [{"id": 1, "other": "\u12"}]}`, `{"results": [{"id": 1, "other": tru}]}`,
	`{"pages": [{"items": [{"id": "p0"}]}, {"items": [{"id": "p1", "x": 2}]}]}`,
	`{"pages": [{"items": []}]}`, `{"pages": {"1": []}}`, `{"pages": [1, {"items": "x"}]}`,
	`{"data": [{"items": [{"id": "a"}, {"id": "b"}]}, {"items": []}, {"other": 1}, null, 5, {"items": [null, {"id": "c"}]}]}`,
	`{"data": [{"items": [[{"id": "a"}]]}]}`, `{"data": [{"items": {"k": {"id": "a"}}}]}`, `{"data": {"k": {"items": []}}}`,
	`{"data": [{"items": [{"id": "a"}, 3]}]}`, `{"data": [{"items": [{"id": "only"}]}]}`,
	`{"orders": [{"id": 9, "customer": {"id": 7}, "at": "2024-05-01T10:00:00Z", "s": "PAID", "c": "web", "loc": {"name": "Lyon"},
		"total": "129.90", "cur": "eur", "lines": [{"sku": "A", "t": "Shirt", "q": "2", "p": "49.95"}, null, {"sku": "B", "q": 1, "p": 3000, "cur": "JPY"}]}]}`,
	`{"orders": [{"id": 1, "customer": {"id": 7}, "at": 1, "total": 129.90, "cur": "EUR", "lines": {"sku": "one", "p": "1.5"}},
		{"id": 2, "customer": {"id": 7}, "at": 1, "total": 1e2, "cur": "EUR", "lines": "scalar"},
		{"id": 3, "customer": {"id": 7}, "at": 1, "total": "-0.50", "cur": "KWD", "lines": [[1, 2]]},
		{"id": 4, "customer": {"id": 7}, "at": 1, "total": 0.1000000000000000055511151231257827, "cur": "EUR"}]}`,
	`{"orders": [{"id": 1, "customer": {"id": 7}, "at": 1, "total": "129.999", "cur": "EUR"}]}`,
	`{"orders": [{"id": 1, "customer": {"id": 7}, "at": 1, "total": "12", "cur": "EURO"}]}`,
	`{"orders": [{"id": 1, "customer": {"id": 7}, "at": 1, "total": "", "cur": null, "lines": null}]}`,
	`{"orders": [{"id": 1, "customer": {"id": 7}, "at": 1, "lines": [{"q": 1.5}]}]}`,
	`{"orders": [{"id": 1, "customer": {"id": 7}, "at": 1, "lines": [{"sku": "a"}], "lines": [{"sku": "b"}], "cur": "USD"}]}`,
	`{"orders": [{"id": 1, "customer": {"id": 7}, "at": 1, "total": 12990, "detail": {"lines": ["s1", {"p": 5}, null, "s2"]}}]}`,
	`{"orders": [{"id": 1, "customer": {"id": 7}, "at": 1, "total": 99999999999999999999, "detail": {"lines": [{"p": 1.5}]}}]}`,
	`{"orders": [{"lines": [{"sku": "x"}], "cur": "EUR", "id": 5, "customer": {"id": "k"}, "at": "2024-05-01T10:00:00Z", "total": "10"}]}`,
	`{"data": {"customers": [{"id": "k1", "orders": [{"id": "o1", "customer": {"id": "k1"}, "at": 1, "total": "5", "cur": "EUR", "lines": [{"sku": "s", "q": 2}]}]},
		{"id": "k2", "orders": []}, {"id": "k3", "orders": null}, {"id": "k4"}, {"id": "k5", "orders": [null, {"id": "o2", "customer": {"id": "k5"}, "at": 2}]}]}}`,
	`{"data": {"customers": [{"orders": [{"id": "o1", "customer": {"id": "k"}, "at": 1}], "orders": [{"id": "o2", "customer": {"id": "k"}, "at": 1}]}]}}`,
	`{"data": {"customers": null}}`, `{"data": null}`, `{"data": {"customers": [{"orders": [1]}]}}`, `{"data": {"customers": {"a": {"orders": []}}}}`,
	`{"events": [{"id": "c1", "contact": "k", "at": 1714557600, "via": "phone", "dir": "in", "secs": 90.5, "first": null,
		"closed": "2024-05-01T10:05:00Z", "agent": {"name": "Rita"}, "queue": null, "tags": ["a", {"b": 1}]},
		{"id": "c2", "contact": "k", "at": "2024-05-01T11:00:00Z", "secs": "60", "queue": "", "tags": {}},
		{"id": "c3", "contact": "k", "at": 1, "secs": 9223372036, "agent": "x"},
		{"id": "c4", "contact": "k", "at": 1, "secs": 9223372037}]}`,
	`{"events": [{"id": "c1", "contact": "k", "at": 1, "secs": -1}]}`,
	`{"events": [{"id": "c1", "contact": "k", "at": 1, "secs": "long"}]}`,
	`{"events": [{"id": 1.5e3, "contact": 1e400, "at": 1.0, "secs": 1e2, "via": -0.0, "dir": true, "subject": false}]}`,
	`  {"events" : [ {"id" : "sp" , "contact" : "k" , "at" : 1 } ] }  `,
	`{"events": [{"id": "deep", "contact": "k", "at": 1, "agent": {"name": {"x": [[[[[[[[[[1]]]]]]]]]]}}}]}`,
}

func TestReaderMatchesMap(t *testing.T) {
	for name, mk := range readerMappings {
		want, run := mk()
		t.Run(name, func(t *testing.T) {
			direct := 0
			for _, src := range readerDocs {
				if run(t, src) {
					direct++
				}
			}
			switch {
			case want == "reader" && direct == 0:
				t.Errorf("the reader read none of the documents")
			case want == "general" && direct > 0:
				t.Errorf("the reader read %d documents of a mapping it cannot follow", direct)
			}
		})
	}
}

// TestReaderReads checks that the reader reads the usual responses itself.
func TestReaderReads(t *testing.T) {
	im, _ := helpdeskMapping.Compile("interactions")
	pm, _ := crmMapping.Compile("profiles")
	om, _ := shopMapping.Compile("orders")
	for name, read := range map[string]func() bool{
		"interactions": func() bool { return readBoth[connectors.Interaction](t, im, string(helpdeskBody(20))).direct },
		"profiles":     func() bool { return readBoth[connectors.Profile](t, pm, string(crmBody(20))).direct },
		"orders":       func() bool { return readBoth[connectors.Order](t, om, string(shopBody(20, 5))).direct },
	} {
		if !read() {
			t.Errorf("%s: the general path read the response", name)
		}
	}
}

// TestReaderProbes: the nodes a connector reads beside the records (a
// cursor, GraphQL errors, the data member on the way to the records).
func TestReaderProbes(t *testing.T) {
	m, err := jsonmap.ProfileMapping{Records: "$.data.page.nodes", Key: "$.id"}.Compile("")
	if err != nil {
		t.Fatal(err)
	}
	probes := []jsonmap.Value{jsonmap.MustCompile("$.data.page.info.next"), jsonmap.MustCompile("$.data.page.info.more"),
		jsonmap.MustCompile("$.errors"), jsonmap.MustCompile("$.data"), jsonmap.MustCompile("$.data.page"), jsonmap.MustCompile("$.extensions.cost")}
	for _, src := range []string{
		`{"data": {"page": {"nodes": [{"id": "a"}], "info": {"next": "c2", "more": true}}}}`,
		`{"data": {"page": {"info": {"next": 12, "more": "false"}, "nodes": []}}, "extensions": {"cost": {"used": 5}}}`,
		`{"data": {"page": {"nodes": [], "info": null}}, "errors": [{"message": "x", "extensions": {"code": "THROTTLED"}}]}`,
		`{"data": {"page": {"nodes": [], "info": {"next": {"o": 1}}}}, "errors": null}`,
		`{"data": {"page": {"nodes": [], "info": {"next": "a"}, "info": {"more": false}}}}`,
		`{"data": {"page": {"nodes": [], "info": {"next": "a"}, "info": 5}}}`,
		`{"data": {"page": {"nodes": [], "info": [{"next": "a"}]}}}`,
		`{"data": null, "errors": [{"message": "denied"}]}`,
		`{"errors": []}`,
		`{"data": {"page": null}}`,
		`{"data": {"page": []}}`,
		`{"data": "x"}`,
	} {
		readBoth[connectors.Profile](t, m, src, probes...)
	}
	wild, err := jsonmap.ProfileMapping{Records: "$.data.customers[*].nodes[*]", Key: "$.id"}.Compile("")
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{
		`{"data": {"customers": [{"nodes": [{"id": "a"}]}]}, "errors": [{"message": "partial"}]}`,
		`{"data": {"customers": []}}`, `{"data": "x"}`, `{"data": 5, "errors": {}}`, `[1]`,
	} {
		readBoth[connectors.Profile](t, wild, src, jsonmap.MustCompile("$.data"), jsonmap.MustCompile("$.errors"))
	}
	// Probes the reader cannot take: through a list, into the records.
	for _, p := range []string{"$.data.page.nodes[0].id", "$.data.page.nodes.x", "$.list[0]"} {
		if readBoth[connectors.Profile](t, m, `{"data": {"page": {"nodes": [{"id": "a"}]}}}`, jsonmap.MustCompile(p)).direct {
			t.Errorf("probe %s: the reader read the document", p)
		}
	}
}

// FuzzReader generates mappings and JSON documents from its input (or
// takes the document it is given) and checks that the one-pass reader gives
// what DecodeBytes and Map give: the same records, or the same error.
func FuzzReader(f *testing.F) {
	for i, src := range readerDocs {
		f.Add([]byte{byte(i), byte(i * 7), byte(i * 13)}, src)
	}
	for _, seed := range []string{"\x00\x01\x02\x03\x04\x05\x06\x07", "\x10\x20\x30\x40\x50\x60\x70\x80\x90", "\xff\xfe\xfd\xfc\x01\x02\x03",
		"\x03\x05\x07\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03\x03"} {
		f.Add([]byte(seed), "")
	}
	f.Fuzz(func(t *testing.T, prog []byte, src string) {
		g := &gen{prog: prog}
		kind := g.pick(3)
		records := g.records()
		p := make([]string, 8)
		for i := range p {
			p[i] = g.path()
		}
		var items []string // the items' records path, then the paths read in each item
		if kind == 1 && g.pick(2) == 0 {
			items = []string{g.path(), g.path(), g.path(), g.path(), g.path()}
		}
		if src == "" {
			src = g.docFor(records, p, items)
		}
		probes := g.probes()
		switch kind {
		case 0:
			m, err := jsonmap.ProfileMapping{Records: records, Key: p[0], UpdatedAt: p[1],
				Fields: map[string]string{"a": p[2], "b": p[3], "c": p[4]}}.Compile("p")
			if err != nil {
				return
			}
			readBoth[connectors.Profile](t, m, src, probes...)
		case 1:
			om := jsonmap.OrderMapping{Records: records, CustomerKey: p[0], ID: p[1], PlacedAt: p[2],
				Status: p[3], Channel: p[4], Total: p[5], Currency: p[6], TotalUnit: g.unit(),
				StatusValues: jsonmap.ValueMap{"a": "b", "*": "c"}}
			if g.pick(2) == 0 {
				om.Currency = "EUR"
			}
			if items != nil {
				om.Items = &jsonmap.ItemMapping{Records: items[0], SKU: items[1], Quantity: items[2],
					UnitPrice: items[3], Currency: items[4], Unit: g.unit()}
			}
			m, err := om.Compile("o")
			if err != nil {
				return
			}
			readBoth[connectors.Order](t, m, src, probes...)
		default:
			m, err := jsonmap.InteractionMapping{Records: records, CustomerKey: p[0], ID: p[1], OccurredAt: p[2],
				Channel: p[3], Summary: p[4], DurationSeconds: p[5], ResolvedAt: p[6],
				ChannelValues: jsonmap.ValueMap{"a": "chat"}, Attributes: map[string]string{"x": p[7]}}.Compile("i")
			if err != nil {
				return
			}
			readBoth[connectors.Interaction](t, m, src, probes...)
		}
	})
}

// gen turns fuzz input into mapping paths and documents over a small
// vocabulary, so that paths and documents meet.
type gen struct {
	prog []byte
	i    int
	x    uint64 // past the input: a generator seeded by it
}

func (g *gen) pick(n int) int {
	if g.i < len(g.prog) {
		b := g.prog[g.i]
		g.i++
		g.x = g.x*31 + uint64(b) + 1
		return int(b) % n
	}
	g.x ^= g.x << 13 // xorshift
	g.x ^= g.x >> 7
	g.x ^= g.x << 17
	return int(g.x>>32) % n
}

var genNames = []string{"id", "a", "b", "data", "items", "at", "x"}

var genScalars = []string{`"a"`, `"b"`, `""`, `null`, `true`, `0`, `-0`, `12`, `-7`, `1.50`, `1e2`, `1e400`, `0.1000000000000000055511151231257827`,
	`12345678901234567890`, `"129.90"`, `"-5"`, `"2024-05-01T10:00:00Z"`, `"2024-05-01T12:00:00+02:00"`, `"2024-05-01"`,
	`"1714557600000"`, `"EUR"`, `"eur"`, `"JPY"`, `"\u00e9\n"`, `"\ud83d\ude00"`, `"x\/y"`, `9223372036`, `"  7 "`, `1714557600.25`}

// genLeaves are values most fields read well: texts, times, amounts.
var genLeaves = []string{`12`, `"12"`, `1714557600`, `"2024-05-01T10:00:00Z"`, `"2024-05-01T12:00:00.5+02:00"`, `"129.90"`,
	`1.5`, `"1.50"`, `0`, `"2024-05-01 10:00:00"`, `1714557600000`, `"x"`}

func (g *gen) name() string { return genNames[g.pick(len(genNames))] }

func (g *gen) path() string {
	switch g.pick(8) {
	case 0:
		return ""
	case 1:
		return []string{"lit", "EUR", "2024-05-01", "$$5", "5"}[g.pick(5)]
	case 2:
		return "$"
	}
	var b strings.Builder
	b.WriteString("$")
	for n := 1 + g.pick(3); n > 0; n-- {
		switch g.pick(6) {
		case 0:
			b.WriteString("[" + strconv.Itoa(g.pick(3)) + "]")
		case 1:
			if g.pick(4) == 0 {
				b.WriteString("[-1]")
				continue
			}
			fallthrough
		default:
			b.WriteString("." + g.name())
		}
	}
	return b.String()
}

func (g *gen) records() string {
	switch g.pick(6) {
	case 0:
		return ""
	case 1:
		return "$." + g.name() + "[*]"
	case 2:
		return "$." + g.name() + "[*]." + g.name() + "[*]"
	case 3:
		return "$." + g.name() + "[*]." + g.name()
	}
	return g.path()
}

func (g *gen) unit() string { return []string{"", "major", "minor"}[g.pick(3)] }

func (g *gen) probes() []jsonmap.Value {
	var out []jsonmap.Value
	for n := g.pick(3); n > 0; n-- {
		p := "$"
		for k := 1 + g.pick(2); k > 0; k-- {
			p += "." + g.name()
		}
		out = append(out, jsonmap.MustCompile(p))
	}
	return out
}

// docFor writes a JSON document, mostly with records where the records
// path leads, holding the values at the paths read (items: the line items'
// path, then the paths read in each), now and then broken.
func (g *gen) docFor(records string, paths, items []string) string {
	rec := shapeOf(paths)
	if len(items) > 0 {
		if x, err := jp.ParseString(items[0]); err == nil && strings.HasPrefix(items[0], "$") {
			rec.add(x[1:]).items = shapeOf(items[1:])
		}
	}
	var b strings.Builder
	if g.pick(8) == 0 {
		g.value(&b, 0)
	} else {
		x, err := jp.ParseString(records)
		if err != nil || records == "" {
			x = jp.R()
		}
		g.along(&b, x[1:], rec, false)
	}
	switch g.pick(16) {
	case 0:
		return b.String()[:b.Len()/2]
	case 1:
		return b.String() + " x"
	}
	return b.String()
}

// shape is the tree of the paths a record is read at.
type shape struct {
	names map[string]*shape
	order []string
	elems map[int]*shape
	leaf  bool
	items *shape // the line items are here, each of this shape
}

func shapeOf(paths []string) *shape {
	s := &shape{}
	for _, p := range paths {
		if x, err := jp.ParseString(p); err == nil && strings.HasPrefix(p, "$") {
			s.add(x[1:]).leaf = true
		}
	}
	return s
}

// add returns the node of s that steps lead to, made as needed.
func (s *shape) add(steps jp.Expr) *shape {
	n := s
	for _, f := range steps {
		switch t := f.(type) {
		case jp.Child:
			if n.names == nil {
				n.names = map[string]*shape{}
			}
			c := n.names[string(t)]
			if c == nil {
				c = &shape{}
				n.names[string(t)] = c
				n.order = append(n.order, string(t))
			}
			n = c
		case jp.Nth:
			if n.elems == nil {
				n.elems = map[int]*shape{}
			}
			i := int(t)
			if i < 0 {
				i = 0
			}
			c := n.elems[i]
			if c == nil {
				c = &shape{}
				n.elems[i] = c
			}
			n = c
		default:
			return &shape{}
		}
	}
	return n
}

// write writes a node of shape s.
func (g *gen) write(b *strings.Builder, s *shape, depth int) {
	switch {
	case s.items != nil && g.pick(6) != 0:
		b.WriteString("[")
		for n := g.pick(4); n > 0; n-- {
			if g.pick(10) == 0 {
				g.value(b, 3)
			} else {
				g.write(b, s.items, depth+1)
			}
			if n > 1 {
				b.WriteString(", ")
			}
		}
		b.WriteString("]")
	case depth > 8 || (s.leaf && (g.pick(4) != 0 || (s.names == nil && s.elems == nil))):
		if g.pick(8) != 0 {
			b.WriteString(genLeaves[g.pick(len(genLeaves))])
		} else {
			g.value(b, 3)
		}
	case s.names != nil && (s.elems == nil || g.pick(2) == 0):
		b.WriteString("{")
		for i, name := range s.order {
			if i > 0 {
				b.WriteString(", ")
			}
			if g.pick(8) == 0 {
				b.WriteString(`"` + g.name() + `": `)
				g.value(b, 3)
				b.WriteString(", ")
			}
			b.WriteString(strconv.Quote(name) + ": ")
			if g.pick(24) == 0 {
				g.value(b, 3)
			} else {
				g.write(b, s.names[name], depth+1)
			}
			if g.pick(24) == 0 { // a repeated member
				b.WriteString(", " + strconv.Quote(name) + ": ")
				g.value(b, 3)
			}
		}
		b.WriteString("}")
	case s.elems != nil:
		last := 0
		for i := range s.elems {
			last = max(last, i)
		}
		b.WriteString("[")
		for i := range last + 1 + g.pick(2) {
			if i > 0 {
				b.WriteString(", ")
			}
			if c := s.elems[i]; c != nil {
				g.write(b, c, depth+1)
			} else {
				g.value(b, 3)
			}
		}
		b.WriteString("]")
	default:
		g.value(b, 3)
	}
}

// record writes an object of shape rec.
func (g *gen) record(b *strings.Builder, rec *shape) {
	if rec.names == nil {
		rec = &shape{names: map[string]*shape{}}
		for n := 1 + g.pick(4); n > 0; n-- {
			name := g.name()
			if rec.names[name] == nil {
				rec.names[name] = &shape{leaf: true}
				rec.order = append(rec.order, name)
			}
		}
	}
	if len(rec.elems) > 0 || rec.leaf || rec.items != nil {
		rec = &shape{names: rec.names, order: rec.order} // an object, whatever the paths
	}
	g.write(b, rec, 0)
}

// along writes a node that holds records of shape rec at the end of steps.
func (g *gen) along(b *strings.Builder, steps jp.Expr, rec *shape, wildEnd bool) {
	if len(steps) == 0 && wildEnd && g.pick(10) != 0 {
		g.record(b, rec) // each node a wildcard selects is a record
		return
	}
	if len(steps) == 0 {
		switch g.pick(10) {
		case 0:
			g.value(b, 2)
		case 1:
			g.record(b, rec)
		default:
			b.WriteString("[")
			for n := g.pick(5); n > 0; n-- {
				if g.pick(10) == 0 {
					g.value(b, 3)
				} else {
					g.record(b, rec)
				}
				if n > 1 {
					b.WriteString(", ")
				}
			}
			b.WriteString("]")
		}
		return
	}
	if g.pick(20) == 0 {
		g.value(b, 3) // something else on the way
		return
	}
	switch s := steps[0].(type) {
	case jp.Child:
		b.WriteString("{")
		if g.pick(3) == 0 {
			b.WriteString(`"` + g.name() + `": `)
			g.value(b, 3)
			b.WriteString(", ")
		}
		name := string(s)
		b.WriteString(strconv.Quote(name) + ": ")
		g.along(b, steps[1:], rec, false)
		if g.pick(8) == 0 { // a repeated member
			b.WriteString(", " + strconv.Quote(name) + ": ")
			g.along(b, steps[1:], rec, false)
		}
		b.WriteString("}")
	default: // an index or a wildcard: a list
		_, wild := s.(jp.Wildcard)
		b.WriteString("[")
		for n := 1 + g.pick(3); n > 0; n-- {
			g.along(b, steps[1:], rec, wild)
			if n > 1 {
				b.WriteString(", ")
			}
		}
		b.WriteString("]")
	}
}

func (g *gen) value(b *strings.Builder, depth int) {
	switch k := g.pick(6); {
	case depth < 5 && k <= 1:
		b.WriteString("{")
		for n := g.pick(4); n > 0; n-- {
			b.WriteString(`"` + g.name() + `": `)
			g.value(b, depth+1)
			if n > 1 {
				b.WriteString(", ")
			}
		}
		b.WriteString("}")
	case depth < 5 && k == 2:
		b.WriteString("[")
		for n := g.pick(4); n > 0; n-- {
			g.value(b, depth+1)
			if n > 1 {
				b.WriteString(",")
			}
		}
		b.WriteString("]")
	default:
		b.WriteString(genScalars[g.pick(len(genScalars))])
	}
}

// TestReaderListsAreTheirOwn: a list a read hands over shares nothing with
// the reader's pooled room, whether it fit the pool or outgrew it: later
// reads through the same reader leave it as it was.
func TestReaderListsAreTheirOwn(t *testing.T) {
	im, err := helpdeskMapping.Compile("interactions")
	if err != nil {
		t.Fatal(err)
	}
	r := im.Reader()
	for _, n := range []int{20, 3000} {
		_, first, err := r.Read(helpdeskBody(n))
		if err != nil || len(first) != n {
			t.Fatalf("%d records: read %d, %v", n, len(first), err)
		}
		doc, err := jsonmap.DecodeBytes(helpdeskBody(n))
		if err != nil {
			t.Fatal(err)
		}
		want, err := im.Map(doc) // the general path, no pool
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, want) {
			t.Fatalf("%d records: the read differs from the general path", n)
		}
		for _, m := range []int{n, 7, 3000} {
			if _, _, err := r.Read(helpdeskBody(m)); err != nil {
				t.Fatal(err)
			}
		}
		if !reflect.DeepEqual(first, want) {
			t.Errorf("%d records: later reads changed the list handed over", n)
		}
	}
}

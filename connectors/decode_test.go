package connectors_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// query is a kind's block with a part it reads itself.
type query struct {
	Collection string           `yaml:"collection"`
	Filter     connectors.Value `yaml:"filter"`
}

func TestValueKeepsOrderAndTypes(t *testing.T) {
	const doc = "collection: c\nfilter:\n  z: 1\n  a: [true, 2.5, ~, text]\n  m: &x {k: 2026-01-02T03:04:05Z}\n  n: *x\n"
	var q query
	if err := block(t, doc).Decode(&q); err != nil {
		t.Fatal(err)
	}
	f := q.Filter
	if f.Kind != connectors.MapValue || f.Line != 3 {
		t.Fatalf("filter = %+v", f)
	}
	var keys []string
	for _, e := range f.Fields {
		keys = append(keys, e.Key)
	}
	if strings.Join(keys, ",") != "z,a,m,n" {
		t.Errorf("keys in order %v, want z,a,m,n", keys)
	}
	if got := f.Fields[0].Value.Scalar; got != int64(1) {
		t.Errorf("z = %#v, want int64 1", got)
	}
	items := f.Fields[1].Value.Items
	want := []any{true, 2.5, nil, "text"}
	for i, w := range want {
		if items[i].Scalar != w {
			t.Errorf("a[%d] = %#v, want %#v", i, items[i].Scalar, w)
		}
	}
	if items[2].Kind != connectors.NoValue {
		t.Errorf("a[2] kind %v, want NoValue", items[2].Kind)
	}
	ts := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	if got := f.Fields[3].Value.Fields[0].Value.Scalar; !reflect.DeepEqual(got, ts) {
		t.Errorf("alias n.k = %#v, want %v", got, ts)
	}
}

func TestBlockDecodeErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown key under a struct", "collection: c\nextra: 1\n", "line 2: extra: unknown key (known: collection, filter)"},
		{"wrong type hides the value", "collection: [hunter2]\n", "line 1: collection: cannot unmarshal"},
		{"bad explicit tag in a value", "collection: c\nfilter:\n  n: !!int nope\n", "line 3: filter.n: not a valid int"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var q query
			err := block(t, tt.doc).Decode(&q)
			var ce *connectors.ConfigError
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v, want prefix %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "nope") {
				t.Errorf("error repeats the value: %v", err)
			}
		})
	}
}

// file is a host's configuration holding kinds' blocks for later.
type file struct {
	Items []struct {
		Name   string           `yaml:"name"`
		Config connectors.Block `yaml:"config"`
	} `yaml:"items"`
}

func TestBlockKeepsNestedBlocks(t *testing.T) {
	const doc = "items:\n  - name: a\n    config:\n      name: x\n      nested: {a: 3}\n  - name: b\n"
	var f file
	if err := block(t, doc).Decode(&f); err != nil {
		t.Fatal(err)
	}
	if len(f.Items) != 2 || f.Items[0].Config.IsZero() || !f.Items[1].Config.IsZero() {
		t.Fatalf("items = %+v", f.Items)
	}
	// Lines count from the host's file, not from the block.
	if got := f.Items[0].Config.Line("nested.a"); got != 5 {
		t.Errorf("line of nested.a = %d, want 5", got)
	}
	var inner struct {
		Name   string          `yaml:"name"`
		Nested struct{ A int } `yaml:"nested"`
	}
	if err := f.Items[0].Config.Decode(&inner); err != nil || inner.Name != "x" || inner.Nested.A != 3 {
		t.Fatalf("inner = %+v, %v", inner, err)
	}
	var empty struct{}
	if err := f.Items[1].Config.Decode(&empty); err != nil {
		t.Errorf("empty block: %v", err)
	}
}

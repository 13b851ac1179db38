package mongodb_test

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

func TestConfigErrors(t *testing.T) {
	const base = "uri: mongodb://127.0.0.1:1/\ndatabase: d\n"
	for _, tc := range []struct {
		name, cfg, key, reason string
		line                   int
	}{
		{"uri", "database: d\nprofiles: {collection: m, filter: {k: {$in: ':keys'}}, mapping: {key: $.k}}\n", "uri", "required", 1},
		{"uri scheme", "uri: postgres://x/\ndatabase: d\nprofiles: {collection: m, filter: {k: {$in: ':keys'}}, mapping: {key: $.k}}\n", "uri", "mongodb://", 1},
		{"database", "uri: mongodb://h/\nprofiles: {collection: m}\n", "database", "required", 1},
		{"nothing", base, "", "at least one capability", 1},
		{"collection", base + "profiles:\n  filter: {k: {$in: ':keys'}}\n", "profiles.collection", "required", 4},
		{"keys unused", base + "profiles:\n  collection: m\n  filter: {k: x}\n  mapping: {key: $.k}\n", "profiles.filter", "must use :keys", 5},
		{"unknown placeholder", base + "orders:\n  collection: p\n  filter:\n    k: {$in: ':keys'}\n    at: {$gt: ':after'}\n", "orders.filter.at.$gt", "unknown placeholder :after", 7},
		{"window on profiles", base + "profiles:\n  collection: m\n  filter: {k: {$in: ':keys'}, at: {$gt: ':since'}}\n", "profiles.filter", "no time window", 5},
		{"key field", base + "list_profiles:\n  collection: m\n  mapping: {key: $.k}\n", "list_profiles.key_field", "required", 4},
		{"list sort", base + "list_profiles:\n  collection: m\n  key_field: k\n  sort: {at: -1}\n  mapping: {key: $.k}\n", "list_profiles.sort", "key_field order", 6},
		{"mapping key", base + "profiles:\n  collection: m\n  filter: {k: {$in: ':keys'}}\n", "profiles.mapping.key", "required", 4},
		{"customer key", base + "orders:\n  collection: p\n  filter: {k: {$in: ':keys'}}\n  mapping: {id: $.id, placed_at: $.at}\n", "orders.mapping.customer_key", "required", 6},
		{"unknown key", base + "profiles:\n  collection: m\n  colection: m\n", "profiles.colection", "unknown key", 5},
		{"orders sort", base + "orders:\n  collection: p\n  filter: {k: {$in: ':keys'}}\n  mapping: {customer_key: $.k, id: $.id, placed_at: $.at}\n", "orders.sort", "newest first", 4},
		{"lookup placeholders", base + "lookup:\n  collection: m\n  filter: {email: x}\n  mapping: {key: $.k}\n", "lookup.filter", "at least one of :emails", 5},
		{"lookup keys", base + "lookup:\n  collection: m\n  filter: {k: {$in: ':keys'}}\n", "lookup.filter", "no keys", 5},
		{"erase keys", base + "erase:\n  - collection: m\n    filter: {k: {$in: ':keys'}}\n  - collection: p\n    filter: {k: 1}\n", "erase[1].filter", "must use :keys", 7},
		{"erase update", base + "erase:\n  - collection: m\n    filter: {k: {$in: ':keys'}}\n    update: {email: null}\n", "erase[0].update", "operators", 6},
		{"erase update placeholder", base + "erase:\n  - collection: m\n    filter: {k: {$in: ':keys'}}\n    update: {$set: {k: ':keys'}}\n", "erase[0].update", "placeholders", 6},
		{"export key field", base + "export:\n  member:\n    collection: m\n    filter: {k: {$in: ':keys'}}\n", "export.member.key_field", "required", 5},
		{"export window", base + "export:\n  member:\n    collection: m\n    filter: {k: {$in: ':keys'}, at: {$gt: ':since'}}\n    key_field: k\n", "export.member.filter", "may not use :since", 6},
		{"send channels", base + "send:\n  collection: o\n  document: {to: ':customer_key', text: ':body'}\n", "send.channels", "required", 4},
		{"send recipient", base + "send:\n  collection: o\n  channels: [sms]\n  document: {text: ':body'}\n", "send.document", "must use :customer_key", 6},
		{"send keys", base + "send:\n  collection: o\n  channels: [sms]\n  document: {to: ':keys', text: ':body'}\n", "send.document", "may not use :keys", 6},
		{"bad path", base + "profiles:\n  collection: m\n  filter: {k: {$in: ':keys'}}\n  mapping: {key: '$.[[['}\n", "profiles.mapping.key", "", 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := connectortest.TryBuild("mongodb", tc.cfg, connectors.Env{})
			if err == nil {
				_ = c.Close()
				t.Fatal("built, want an error")
			}
			var ce *connectors.ConfigError
			ok := errors.As(err, &ce)
			if !ok {
				t.Fatalf("error %T %v, want *connectors.ConfigError", err, err)
			}
			if ce.Key != tc.key || !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("got key %q reason %q, want key %q reason containing %q", ce.Key, ce.Reason, tc.key, tc.reason)
			}
			if tc.line != 0 && ce.Line != tc.line {
				t.Errorf("line %d, want %d (%v)", ce.Line, tc.line, err)
			}
		})
	}
}

// A call to a deployment that is down gives up after the URI's
// serverSelectionTimeoutMS, not after the connector's default of 5s.
func TestServerSelectionTimeoutFromURI(t *testing.T) {
	l, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	_ = l.Close() // nothing listens there now
	cfg := "uri: mongodb://" + down + "/?directConnection=true&serverSelectionTimeoutMS=100\ndatabase: d\n" +
		"profiles: {collection: m, filter: {k: {$in: ':keys'}}, mapping: {key: $.k}}\n"
	c := connectortest.Build(t, "mongodb", cfg, connectors.Env{})
	start := time.Now()
	_, err = c.(connectors.ProfileSource).Profiles(t.Context(), []string{"k1"})
	took := time.Since(start)
	if err == nil {
		t.Fatal("a call to a deployment that is down succeeded")
	}
	if code := connectors.CodeOf(err); code != connectors.CodeUnavailable && code != connectors.CodeTimeout {
		t.Errorf("code %q (%v), want %s or %s", code, err, connectors.CodeUnavailable, connectors.CodeTimeout)
	}
	// 100ms asked; the default would be 5s. The bound leaves room for a
	// loaded machine under -race.
	if took > 3*time.Second {
		t.Errorf("the call gave up after %v: the URI's serverSelectionTimeoutMS=100 was not applied", took)
	}
}

package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The published schema also covers the connectors' own blocks: a mistake
// there stops Parse with the file, line and key, before any kind decodes it.
// (The kinds are not registered in this package's tests: the check runs
// alone.)
func TestSchemaCatchesMistakesInConnectorBlocks(t *testing.T) {
	tests := []struct{ name, file, want string }{
		{"unknown key in a rest endpoint",
			"connectors:\n  - name: crm\n    kind: rest\n    config:\n      base_url: http://x\n      profiles:\n        path: /c\n        fieldz: {}\n",
			`cfg.yaml:8: connectors[0].config.profiles.fieldz: unknown key (known: body, fields, key, method, path, per_key, query, records, updated_at)`},
		{"wrong type in a mongodb block",
			"connectors:\n  - name: loyalty\n    kind: mongodb\n    config:\n      uri: mongodb://h/\n      database: d\n      max_pool_size: plenty\n",
			`cfg.yaml:7: connectors[0].config.max_pool_size: want integer, got string`},
		{"a list where an object goes",
			"connectors:\n  - name: pos\n    kind: sql\n    config:\n      driver: sqlite\n      dsn: x\n      orders: [SELECT 1]\n",
			`cfg.yaml:7: connectors[0].config.orders: want object, got array`},
		{"a page size below one",
			"connectors:\n  - name: crm\n    kind: rest\n    config:\n      base_url: http://x\n      list_profiles:\n        path: /c\n        key: $.id\n        page_size: 0\n        pagination: {style: page}\n",
			`cfg.yaml:9: connectors[0].config.list_profiles.page_size: must be at least 1`},
		{"a page size over the bound",
			"connectors:\n  - name: shop\n    kind: graphql\n    config:\n      endpoint: http://x/graphql\n      list_profiles: {query: q, key: $.id, next_cursor: $.c, page_size: 5000}\n",
			`cfg.yaml:6: connectors[0].config.list_profiles.page_size: must be at most 1000`},
		{"a page size that is not a number",
			"connectors:\n  - name: pos\n    kind: sql\n    config:\n      driver: sqlite\n      dsn: x\n      list_profiles: {query: q, page_size: many}\n",
			`cfg.yaml:7: connectors[0].config.list_profiles.page_size: want integer, got string`},
		{"a negative page size in a mongodb block",
			"connectors:\n  - name: loyalty\n    kind: mongodb\n    config:\n      uri: mongodb://h/\n      database: d\n      list_profiles:\n        collection: m\n        key_field: k\n        page_size: -3\n",
			`cfg.yaml:10: connectors[0].config.list_profiles.page_size: must be at least 1`},
		{"a bad duration in a kind's block",
			"connectors:\n  - name: pos\n    kind: sql\n    config:\n      driver: sqlite\n      dsn: x\n      conn_max_lifetime: forever\n",
			`cfg.yaml:7: connectors[0].config.conn_max_lifetime: not a duration`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkSchemaText(t, tt.file)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant prefix %s", err, tt.want)
			}
		})
	}
}

// What the schema accepts and what the decoder accepts agree on a file that
// uses every kind; the YAML decoder's leniencies (a number where text goes,
// an empty value) stay accepted.
func TestSchemaAcceptsAValidFile(t *testing.T) {
	const file = `
server: {addr: "127.0.0.1:9090", max_depth: 10, shutdown_timeout: 20s}
connectors:
  - name: crm
    kind: rest
    timeout: 3s
    config:
      base_url: http://crm.internal/v3
      auth: {type: bearer, token: tok}
      profiles: {path: /contacts, query: {ids: '{{join .Keys ","}}'}, records: $.results, key: $.id, fields: {email: $.email}}
  - name: loyalty
    kind: mongodb
    config:
      uri: mongodb://db.internal/
      database: loyalty
      profiles: {collection: members, filter: {member_id: {$in: ":keys"}}, mapping: {key: $.member_id}}
  - name: pos
    kind: sql
    config: {driver: sqlite, dsn: pos.db, max_open_conns: 4, profiles: {query: "select :keys as key"}}
  - name: custom
    kind: configtest
    config: {url: 12345, anything: [1, 2]}
`
	if err := checkSchemaText(t, file); err != nil {
		t.Fatal(err)
	}
}

func checkSchemaText(t *testing.T, text string) error {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(text), &root); err != nil {
		t.Fatal(err)
	}
	return checkSchema("cfg.yaml", &root)
}

// The demo's configurations, the integrators' first examples, match the
// schema.
func TestDemoConfigsMatchTheSchema(t *testing.T) {
	files, err := filepath.Glob("../demo/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no demo configurations: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var root yaml.Node
		if err := yaml.Unmarshal(data, &root); err != nil {
			t.Fatal(err)
		}
		if err := expand(f, &root, "", func(string) (string, bool) { return "http://127.0.0.1:1", true }); err != nil {
			t.Fatal(err)
		}
		if err := checkSchema(f, &root); err != nil {
			t.Errorf("%v", err)
		}
	}
}

func TestJourneyWindow(t *testing.T) {
	base := "connectors:\n  - name: crm\n    kind: configtest\n    config:\n      url: http://x\n"
	c, err := Parse("cfg.yaml", []byte(base), nil)
	if err != nil || c.Journey.ConversationWindow != DefaultConversationWindow {
		t.Fatalf("default: %v %v", c, err)
	}
	_, err = Parse("cfg.yaml", []byte("journey: {conversation_window: 10s}\n"+base), nil)
	if err == nil || !strings.Contains(err.Error(), "journey.conversation_window: must be between 1m and 2160h") {
		t.Fatalf("err = %v", err)
	}
}

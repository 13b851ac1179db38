package config

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// probe is a connector kind for these tests.
type probe struct {
	URL   string            `yaml:"url"`
	Token connectors.Secret `yaml:"token"`
	Port  int               `yaml:"port"`
}

func (p *probe) Close() error { return nil }

func (p *probe) Validate() error {
	if p.URL == "" {
		return connectors.Invalid("url", "is required")
	}
	return nil
}

func init() {
	connectors.MustRegister(connectors.Kind{ID: "configtest", New: func() connectors.Connector { return new(probe) }})
}

func env(vars map[string]string) Lookup {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestParseValid(t *testing.T) {
	const file = `
server:
  addr: 127.0.0.1:9090
  introspection: true
store:
  uri: ${MONGO_URI:-}
profile:
  priority: [crm]
connectors:
  - name: crm
    kind: configtest
    timeout: 2s
    config:
      url: ${CRM_URL}
      token: ${CRM_TOKEN}
      port: ${CRM_PORT}
`
	c, err := Parse("harmony.yaml", []byte(file), env(map[string]string{"CRM_URL": "http://127.0.0.1:1", "CRM_TOKEN": "s3cret", "CRM_PORT": "8443"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Addr != "127.0.0.1:9090" || !c.Server.Introspection || c.Store.URI != "" || c.Store.Database != DefaultDatabase {
		t.Errorf("server/store = %+v %+v", c.Server, c.Store)
	}
	if c.Server.MaxBodyBytes != DefaultMaxBodyBytes || c.Server.MaxDepth != DefaultMaxDepth || !*c.Server.Playground || !*c.Identity.SyncOnStart {
		t.Errorf("defaults not applied: %+v %+v", c.Server, c.Identity)
	}
	cn := c.Connectors[0]
	if cn.Name != "crm" || cn.Timeout != 2*time.Second || cn.Line != 10 {
		t.Errorf("connector = %+v", cn)
	}
	conn, err := connectors.Build(context.Background(), cn.Kind, &cn.Config, connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	p := conn.(*probe)
	if p.URL != "http://127.0.0.1:1" || p.Token.Reveal() != "s3cret" || p.Port != 8443 {
		t.Errorf("probe = %+v", p)
	}
}

func TestParseErrors(t *testing.T) {
	base := func(extra string) string {
		return "connectors:\n  - name: crm\n    kind: configtest\n    config:\n      url: http://x\n" + extra
	}
	tests := []struct {
		name, file string
		vars       map[string]string
		want       string
	}{
		{"unknown top key", "servr:\n  addr: x\n" + base(""), nil, `cfg.yaml:1: servr: unknown key`},
		{"unknown nested key", "server:\n  adr: x\n" + base(""), nil, `cfg.yaml:2: server.adr: unknown key`},
		{"missing env", base("      token: ${NOPE}\n"), nil, `cfg.yaml:6: connectors[0].config.token: environment variable NOPE is not set`},
		{"unknown kind", "connectors:\n  - name: crm\n    kind: soap\n", nil, `cfg.yaml:2: connectors[0].kind: unknown connector kind "soap"`},
		{"missing name", "connectors:\n  - kind: configtest\n", nil, `cfg.yaml:2: connectors[0].name: is required`},
		{"duplicate name", base("  - name: crm\n    kind: configtest\n"), nil, `cfg.yaml:6: connectors[1].name: "crm" is used by another connector`},
		{"no connectors", "server:\n  addr: x\n", nil, `cfg.yaml: connectors: at least one connector is required`},
		{"bad type hides the value", "server:\n  max_depth: hunter2\n" + base(""), nil, `cfg.yaml:2: server.max_depth: cannot unmarshal`},
		{"bad duration", base("    timeout: soon\n"), nil, `cfg.yaml:6: connectors[0].timeout: cannot unmarshal`},
		{"priority names a stranger", "profile:\n  priority: [erp]\n" + base(""), nil, `cfg.yaml: profile.priority[0]: no connector is named "erp"`},
		{"survivorship of a stranger field", "profile:\n  survivorship: {emial: most_recent}\n" + base(""), nil, `cfg.yaml:2: profile.survivorship.emial: not a profile field`},
		{"unknown survivorship rule", "profile:\n  survivorship: {email: newest}\n" + base(""), nil, `cfg.yaml:2: profile.survivorship.email: unknown rule "newest"`},
		{"rule without kinds", "identity:\n  rules: [{name: mail}]\n" + base(""), nil, `cfg.yaml:2: identity.rules[0].kinds: at least one identifier kind is required`},
		{"rule on an unknown kind", "identity:\n  rules: [{name: mail, kinds: [fax]}]\n" + base(""), nil, `cfg.yaml:2: identity.rules[0].kinds[0]: unknown identifier kind "fax"`},
		{"rule confidence", "identity:\n  rules: [{name: mail, kinds: [email], confidence: 2}]\n" + base(""), nil, `cfg.yaml:2: identity.rules[0].confidence: must be in (0, 1]`},
		{"bad blocked pattern", "identity:\n  blocked: {email: [\"[\"]}\n" + base(""), nil, `cfg.yaml:2: identity.blocked.email[0]: not a valid glob pattern`},
		{"cap too small", "identity:\n  max_identities_per_customer: 1\n" + base(""), nil, `cfg.yaml:2: identity.max_identities_per_customer: must be between 2 and 10000`},
		{"email domain alias of an alias", "identity:\n  email:\n    domains:\n      a.example: {same_as: b.example}\n      b.example: {same_as: c.example}\n" + base(""), nil, `cfg.yaml:4: identity.email.domains.a.example.same_as: must name a domain that is not itself an alias`},
		{"yaml syntax", "server: [\n", nil, `cfg.yaml:1: invalid YAML`},
		{"empty", "", nil, `cfg.yaml: the file is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte(tt.file), env(tt.vars))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant prefix %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error repeats the value: %v", err)
			}
		})
	}
}

func TestConnectorErrorsPointIntoTheFile(t *testing.T) {
	file := "connectors:\n  - name: crm\n    kind: configtest\n    config:\n      token: x\n      urll: y\n"
	c, err := Parse("cfg.yaml", []byte(file), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, err = connectors.Build(context.Background(), "configtest", &c.Connectors[0].Config, connectors.Env{})
	got := c.ConnectorError(0, err).Error()
	if !strings.HasPrefix(got, "cfg.yaml:6: connectors[0].config.urll: unknown key") {
		t.Fatalf("err = %s", got)
	}

	file = "connectors:\n  - name: crm\n    kind: configtest\n    config:\n      token: x\n"
	c, _ = Parse("cfg.yaml", []byte(file), env(nil))
	_, err = connectors.Build(context.Background(), "configtest", &c.Connectors[0].Config, connectors.Env{})
	if got := c.ConnectorError(0, err).Error(); got != "cfg.yaml:5: connectors[0].config.url: is required" {
		t.Fatalf("err = %s", got)
	}
}

// The playground reads the schema by introspection: it follows
// introspection by default, and is refused, at its line, when asked for
// without it.
func TestPlaygroundNeedsIntrospection(t *testing.T) {
	for _, tt := range []struct {
		file string
		on   bool
		err  string
	}{
		{"server: {addr: 127.0.0.1:9090}\n", false, ""},
		{"server:\n  introspection: true\n", true, ""},
		{"server:\n  introspection: true\n  playground: false\n", false, ""},
		{"server:\n  addr: 127.0.0.1:9090\n  playground: true\n", false, "harmony.yaml:3: server.playground: needs server.introspection: true"},
		{"server:\n  examples: ops\n", false, "harmony.yaml:2: server.examples: needs the playground"},
	} {
		c, err := Parse("harmony.yaml", []byte(tt.file+"connectors:\n  - {name: crm, kind: configtest}\n"), env(nil))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.file, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.file, err)
			continue
		}
		if c.Server.PlaygroundOn() != tt.on {
			t.Errorf("%q: playground %v, want %v", tt.file, c.Server.PlaygroundOn(), tt.on)
		}
	}
}

// A YAML syntax error points at the line that broke the document, not at
// the start of the block it is in.
func TestYAMLErrorLine(t *testing.T) {
	for _, tt := range []struct {
		name, file string
		line       int
	}{
		{"key indented less than its siblings", "server:\n  addr: 127.0.0.1:8080\nconnectors:\n  - name: crm\n    kind: rest\n   config:\n      base_url: http://x\n", 6},
		{"key indented less under server", "server:\n  addr: 127.0.0.1:8080\n introspection: true\nconnectors:\n  - name: crm\n", 3},
		{"key indented more", "connectors:\n  - name: crm\n    kind: rest\n    config:\n      base_url: http://x\n        profiles: {}\n", 6},
		{"a tab", "connectors:\n  - name: crm\n    kind: rest\n    config:\n      base_url: http://x\n\tprofiles: {}\n", 6},
		{"an unclosed flow sequence", "server: [\n", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte(tt.file), env(nil))
			var ce *Error
			if !errors.As(err, &ce) || ce.Line != tt.line || !strings.HasPrefix(ce.Reason, "invalid YAML") {
				t.Fatalf("error %v, want invalid YAML at line %d", err, tt.line)
			}
		})
	}
}

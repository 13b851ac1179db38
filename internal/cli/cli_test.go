package cli

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCommands(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("connectors:\n  - name: crm\n    kind: soap\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	unknownKey := filepath.Join(dir, "unknown.yaml")
	if err := os.WriteFile(unknownKey, []byte("connectors:\n  - name: crm\n    kind: rest\n    config:\n      base_url: http://127.0.0.1:1\n      profiles: {path: /c, query: {ids: '{{join .Keys \",\"}}'}, records: $.r, key: $.id, fieldz: {}}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.yaml")
	if err := os.WriteFile(good, []byte("connectors:\n  - name: crm\n    kind: rest\n    config:\n      base_url: http://127.0.0.1:1\n      profiles: {path: /c, query: {ids: '{{join .Keys \",\"}}'}, records: $.r, key: $.id}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{"help", []string{"help"}, 0, "serve       serve a configuration against real systems", ""},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"connector kinds", []string{"connectors", "list"}, 0, "graphql", ""},
		{"valid config", []string{"config", "validate", good}, 0, "valid, 1 connectors", ""},
		{"unknown kind", []string{"config", "validate", bad}, 2, "", "bad.yaml:2: connectors[0].kind: unknown connector kind \"soap\""},
		{"unknown key in a connector", []string{"config", "validate", unknownKey}, 2, "", "unknown.yaml:6: connectors[0].config.profiles.fieldz: unknown key"},
		{"serve without a file", []string{"serve"}, 2, "", "serve needs --config FILE"},
		{"serve open beyond loopback", []string{"serve", "--config", good, "--addr", "0.0.0.0:0"}, 2, "",
			"good.yaml: auth: required when server.addr is not loopback (0.0.0.0:0)"},
		{"demo beyond loopback", []string{"demo", "--addr", "0.0.0.0:8080"}, 2, "", "harmony demo: auth: required when server.addr is not loopback"},
		{"serve open on every interface", []string{"serve", "--config", good, "--addr", ":8080"}, 2, "", "auth: required when server.addr is not loopback"},
		{"missing file", []string{"serve", "--config", filepath.Join(dir, "nope.yaml")}, 1, "", "read configuration"},
		{"connector kinds and capabilities", []string{"connectors", "list"}, 0, "profiles,list_profiles,orders,interactions", ""},
		{"check without a file", []string{"connectors", "check"}, 2, "", "harmony connectors check FILE"},
		{"new connector outside a module", []string{"connector", "new", "loyalty", "--dir", filepath.Join(dir, "loyalty")}, 1, "", "not inside a Go module"},
		{"new connector with a bad name", []string{"connector", "new", "Loyalty-API"}, 1, "", "lower-case letters and digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tt.args, &stdout, &stderr)
			if code != tt.code || !strings.Contains(stdout.String(), tt.inStdout) || !strings.Contains(stderr.String(), tt.inStderr) {
				t.Fatalf("exit %d, stdout %q, stderr %q; want exit %d with %q / %q", code, stdout.String(), stderr.String(), tt.code, tt.inStdout, tt.inStderr)
			}
		})
	}
}

// TestReadyBannerSaysOpen: without auth the start-up banner says, in plain
// words, that the gateway is open; with auth it does not.
func TestReadyBannerSaysOpen(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	var open, closed strings.Builder
	readyBanner(&open, "Harmony demo", addr, true, true)
	readyBanner(&closed, "Harmony", addr, false, true)
	flat := strings.Join(strings.Fields(open.String()), " ")
	for _, want := range []string{"WARNING: the gateway is OPEN: no auth is configured", "can read and change all customer data, as admin", "localhost, 127.0.0.1 or [::1]"} {
		if !strings.Contains(flat, want) {
			t.Errorf("open banner lacks %q:\n%s", want, open.String())
		}
	}
	if strings.Contains(closed.String(), "OPEN") {
		t.Errorf("banner with auth says open:\n%s", closed.String())
	}
	t.Log("\n" + open.String())
}

// TestReadyBannerPlayground: the banner advertises the playground only
// when it is served (introspection on).
func TestReadyBannerPlayground(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	var with, without strings.Builder
	readyBanner(&with, "Harmony", addr, false, true)
	readyBanner(&without, "Harmony", addr, false, false)
	if !strings.Contains(with.String(), "playground: http://127.0.0.1:8080/") {
		t.Errorf("banner with the playground lacks it:\n%s", with.String())
	}
	if strings.Contains(without.String(), "playground") || !strings.Contains(without.String(), "graphql:    http://127.0.0.1:8080/graphql") {
		t.Errorf("banner without the playground:\n%s", without.String())
	}
}

// TestPrintVars: the demo prints, as shell exports in a stable order, the
// variables another configuration needs to use its systems, quoted when
// they need it.
func TestPrintVars(t *testing.T) {
	var b strings.Builder
	printVars(&b, map[string]string{
		"HELPDESK_URL":  "http://127.0.0.1:40001",
		"CRM_TOKEN":     "demo-crm-token",
		"HELPDESK_USER": "agent@harmony.example/token",
		"POS_DSN":       "/tmp/my data/pos.sqlite",
		"ODD":           "it's",
	})
	want := `    export CRM_TOKEN=demo-crm-token
    export HELPDESK_URL=http://127.0.0.1:40001
    export HELPDESK_USER=agent@harmony.example/token
    export ODD='it'\''s'
    export POS_DSN='/tmp/my data/pos.sqlite'
`
	if !strings.HasSuffix(b.String(), want) {
		t.Fatalf("printVars wrote:\n%s\nwant it to end with:\n%s", b.String(), want)
	}
}

package cli

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/harmonyhq/harmony/internal/config"
)

// A served configuration opens the playground on the operations of its
// server.examples directory, in their numbers' order, and on none when it
// names no directory: never on the demo's, which name customers it does
// not have.
func TestConfiguredExamples(t *testing.T) {
	dir := t.TempDir()
	ops := filepath.Join(dir, "ops")
	if err := os.Mkdir(ops, 0o750); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"1-a", "2-b", "10-c"} {
		if err := os.WriteFile(filepath.Join(ops, n+".graphql"), []byte("query Q { sources { name } }"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	file := func(body string) *config.Config {
		t.Helper()
		path := filepath.Join(dir, "harmony.yaml")
		body += "connectors:\n  - name: crm\n    kind: rest\n    config:\n      base_url: http://127.0.0.1:1\n      profiles: {path: /c, query: {ids: '{{join .Keys \",\"}}'}, records: $.r, key: $.id}\n"
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(path, func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	minimal := file("store: {data_dir: data}\n")
	if ex, err := configuredExamples(minimal); err != nil || len(ex) != 0 || minimal.Server.PlaygroundOn() {
		t.Fatalf("minimal configuration: %d examples (%v), playground %v; want none and no playground", len(ex), err, minimal.Server.PlaygroundOn())
	}
	cfg := file("server: {introspection: true, examples: ops}\nstore: {data_dir: data}\n")
	ex, err := configuredExamples(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ex {
		names = append(names, e.Name)
	}
	if want := []string{"1-a", "2-b", "10-c"}; !slices.Equal(names, want) || !cfg.Server.PlaygroundOn() {
		t.Fatalf("examples %v (playground %v), want %v", names, cfg.Server.PlaygroundOn(), want)
	}
	_, err = configuredExamples(file("server: {introspection: true, examples: nowhere}\nstore: {data_dir: data}\n"))
	if ce := (*config.Error)(nil); !errors.As(err, &ce) || ce.Key != "server.examples" {
		t.Fatalf("a missing directory: %v, want a configuration error on server.examples", err)
	}
}

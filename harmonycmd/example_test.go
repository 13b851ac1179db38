package harmonycmd_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEchoExampleBuildsOutsideTheTree builds examples/echo, a module of its
// own that requires Harmony and registers the kind acme_echo, the way an
// integrator's module would (its replace directive pointed at this tree),
// then runs the binary: the kind is listed beside the built-in ones and a
// configuration may use it.
func TestEchoExampleBuildsOutsideTheTree(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(root, "examples", "echo")
	dir := t.TempDir()
	for _, name := range []string{"main.go", "go.mod", "go.sum"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "go.mod" {
			if !bytes.Contains(data, []byte("=> ../..")) {
				t.Fatal("examples/echo/go.mod has no replace directive to the repository")
			}
			data = bytes.ReplaceAll(data, []byte("=> ../.."), []byte("=> "+root))
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	bin := filepath.Join(dir, "echo")
	build := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the example module: %v\n%s", err, out)
	}

	list := run(ctx, t, bin, "connectors", "list")
	var echoLine string
	for line := range strings.SplitSeq(list, "\n") {
		if strings.HasPrefix(line, "acme_echo ") {
			echoLine = line
		}
	}
	if !strings.Contains(echoLine, "an integrator's own kind") {
		t.Fatalf("connectors list has no acme_echo line with its doc:\n%s", list)
	}
	for _, builtin := range []string{"rest ", "graphql ", "sql ", "mongodb "} {
		if !strings.Contains(list, "\n"+builtin) {
			t.Errorf("connectors list lost the built-in kind %q:\n%s", strings.TrimSpace(builtin), list)
		}
	}

	// The kind takes no configuration: a block without keys is valid, a
	// key in it is refused with the file, line and key. A value outside a
	// key's set of choices is refused too, by config validate and by serve
	// (a hot reload loads the file the same way).
	const interactions = "\n  - name: crm\n    kind: rest\n    config:\n      base_url: http://127.0.0.1:9\n      interactions:\n" +
		"        path: /events\n        records: $.data\n        customer_key: $.user\n        id: $.id\n        occurred_at: $.at\n        channel: text"
	for _, tc := range []struct {
		name, block, want string
		ok                bool
	}{
		{"no block", "", "valid, 1 connectors", true},
		{"a key it does not take", "\n    config:\n      greeting: hi", "harmony.yaml:5: connectors[0].config.greeting: unknown key: this block takes none", false},
		{"a channel outside its set", interactions, "harmony.yaml:14: connectors[1].config.interactions.channel: must be one of chat, whatsapp, email, phone, sms, web, app, store, social, other, or a JSONPath ($...)", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "harmony.yaml")
			cfg := "connectors:\n  - name: echo\n    kind: acme_echo" + tc.block + "\n"
			if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
				t.Fatal(err)
			}
			commands := [][]string{{"config", "validate", file}}
			if !tc.ok {
				commands = append(commands, []string{"serve", "--config", file, "--addr", "127.0.0.1:0"})
			}
			for _, args := range commands {
				cmd := exec.CommandContext(ctx, bin, args...)
				cmd.Dir = filepath.Dir(file) // where a store would keep its files
				out, err := cmd.CombinedOutput()
				if (err == nil) != tc.ok || !strings.Contains(string(out), tc.want) {
					t.Fatalf("%s: err %v, output:\n%s\nwant %q", args[0], err, out, tc.want)
				}
			}
		})
	}
}

func run(ctx context.Context, t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(bin), strings.Join(args, " "), err, out)
	}
	return string(out)
}

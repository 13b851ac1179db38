package cli

import (
	"bytes"
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// dispatched lists the commands Main's switch dispatches, read from
// cli.go's source, so that a new case without a help line fails.
func dispatched(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "cli.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "Main" {
			continue
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			sw, ok := n.(*ast.SwitchStmt)
			if !ok || sw.Tag == nil {
				return true
			}
			if id, ok := sw.Tag.(*ast.Ident); !ok || id.Name != "cmd" {
				return true
			}
			for _, st := range sw.Body.List {
				for _, e := range st.(*ast.CaseClause).List {
					if lit, ok := e.(*ast.BasicLit); ok {
						s, _ := strconv.Unquote(lit.Value)
						names = append(names, s)
					}
				}
			}
			return false
		})
	}
	if len(names) == 0 {
		t.Fatal("no command found in Main's switch")
	}
	return names
}

// TestEveryCommandHasHelp: `harmony --help`, `harmony -h` and `harmony
// help` list every command Main dispatches, one line each; `harmony CMD
// --help`, `harmony CMD -h` and `harmony help CMD` print that command's
// usage and exit 0, never running it (serve would read --help as its
// configuration file, demo would start).
func TestEveryCommandHasHelp(t *testing.T) {
	names := dispatched(t)
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), args, &stdout, &stderr); code != 0 || stderr.Len() > 0 {
			t.Fatalf("harmony %v: exit %d, stderr %q", args, code, stderr.String())
		}
		for _, name := range names {
			var lines []string
			for l := range strings.Lines(stdout.String()) {
				if f := strings.Fields(l); len(f) > 1 && f[0] == name {
					lines = append(lines, l)
				}
			}
			if len(lines) != 1 {
				t.Errorf("harmony %v: command %q has %d lines, want one:\n%s", args, name, len(lines), stdout.String())
			}
		}
	}
	for _, c := range commands {
		if !slices.Contains(names, c.name) {
			t.Errorf("help lists %q, which Main does not dispatch", c.name)
		}
	}
	for _, name := range names {
		c, ok := lookupCommand(name)
		if !ok {
			t.Errorf("command %q has no help entry", name)
			continue
		}
		for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {"help", name}} {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), args, &stdout, &stderr)
			if code != 0 || stderr.Len() > 0 || !strings.Contains(stdout.String(), "Usage:\n  "+strings.SplitN(c.usage, "\n", 2)[0]) {
				t.Errorf("harmony %v: exit %d, stdout %q, stderr %q; want that command's usage", args, code, stdout.String(), stderr.String())
			}
		}
	}
}

// TestHelpIsNotAnArgument: a help flag after other arguments still asks
// for help, and is never read as a file or a name.
func TestHelpIsNotAnArgument(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, args := range [][]string{
		{"serve", "--config", "--help"},
		{"serve", "--help", "--config", "harmony.yaml"},
		{"config", "validate", "--help"},
		{"connector", "new", "--help"},
		{"demo", "--addr", "127.0.0.1:0", "-h"},
	} {
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), args, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "Usage:\n  harmony") {
			t.Errorf("harmony %v: exit %d, stdout %q, stderr %q; want the usage", args, code, stdout.String(), stderr.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("help wrote %v", entries)
	}
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"help", "frobnicate"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), `unknown command "frobnicate"`) {
		t.Errorf("harmony help frobnicate: exit %d, stderr %q", code, stderr.String())
	}
}

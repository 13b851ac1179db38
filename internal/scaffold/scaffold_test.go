package scaffold

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedConnectorPassesTheKit writes a connector inside this module
// and runs its generated tests (the conformance kit and the example) with
// the go command.
func TestGeneratedConnectorPassesTheKit(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and tests a generated package")
	}
	// Inside the module, under testdata so that ./... never sees it.
	parent, err := os.MkdirTemp("testdata", "gen-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(parent) })
	dir := filepath.Join(parent, "loyalty")
	files, err := Write(dir, "loyalty")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("wrote %v", files)
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.CommandContext(t.Context(), gobin, "test", "-count=1", "./"+filepath.ToSlash(dir)) //nolint:gosec // G204: the test's own go command and directory
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go test of the generated package failed: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "ok ") {
		t.Fatalf("unexpected go test output:\n%s", out)
	}
}

func TestWriteRefuses(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x.go"), []byte("package x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, dir, conn, want string }{
		{"bad name", filepath.Join(t.TempDir(), "a"), "My-Connector", "lower-case letters and digits"},
		{"keyword-like digits first", filepath.Join(t.TempDir(), "b"), "1crm", "starting with a letter"},
		{"directory in use", full, "crm", "already holds files"},
		{"outside a module", filepath.Join(os.TempDir(), "harmony-scaffold-nomod", "crm"), "crm", "not inside a Go module"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Write(tc.dir, tc.conn)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

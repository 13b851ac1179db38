package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templates embed.FS

// namePattern is what a connector kind ID and a Go package name both allow.
var namePattern = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// data fills the templates.
type data struct {
	Name       string // kind ID and package name
	Title      string // Name with a capital, for prose
	ImportPath string // of the new package, for its external tests
}

// Write creates dir with the connector package for name. It refuses an
// invalid name and a directory that already holds files.
func Write(dir, name string) ([]string, error) {
	if !namePattern.MatchString(name) {
		return nil, fmt.Errorf("connector name %q: use lower-case letters and digits, starting with a letter (it is both the kind ID and the Go package name)", name)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, fmt.Errorf("%s already holds files: choose a new directory", dir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	importPath, err := packagePath(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	d := data{Name: name, Title: strings.ToUpper(name[:1]) + name[1:], ImportPath: importPath}
	files := []struct{ tmpl, out string }{
		{"connector.go.tmpl", name + ".go"},
		{"connector_test.go.tmpl", name + "_test.go"},
		{"example_test.go.tmpl", "example_test.go"},
	}
	var written []string
	for _, f := range files {
		t, err := template.ParseFS(templates, "templates/"+f.tmpl)
		if err != nil {
			return written, fmt.Errorf("template %s: %w", f.tmpl, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, d); err != nil {
			return written, fmt.Errorf("template %s: %w", f.tmpl, err)
		}
		src, err := format.Source(buf.Bytes())
		if err != nil {
			return written, fmt.Errorf("template %s makes invalid Go: %w", f.tmpl, err)
		}
		path := filepath.Join(dir, f.out)
		if err := os.WriteFile(path, src, 0o600); err != nil {
			return written, fmt.Errorf("write %s: %w", path, err)
		}
		written = append(written, path)
	}
	return written, nil
}

var moduleLine = regexp.MustCompile(`(?m)^module\s+"?([^\s"]+)"?\s*$`)

// packagePath is the import path of the package in dir: the path of the
// module whose go.mod is in dir or above it, and dir's place in it.
func packagePath(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", dir, err)
	}
	for root := abs; ; root = filepath.Dir(root) {
		mod, err := os.ReadFile(filepath.Join(root, "go.mod")) //nolint:gosec // G304: looking for the module's own go.mod
		if err == nil {
			m := moduleLine.FindSubmatch(mod)
			if m == nil {
				return "", fmt.Errorf("%s has no module line", filepath.Join(root, "go.mod"))
			}
			rel, err := filepath.Rel(root, abs)
			if err != nil {
				return "", fmt.Errorf("resolve %s: %w", dir, err)
			}
			if rel == "." {
				return string(m[1]), nil
			}
			return string(m[1]) + "/" + filepath.ToSlash(rel), nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("read go.mod: %w", err)
		}
		if filepath.Dir(root) == root {
			return "", fmt.Errorf("%s is not inside a Go module: run `go mod init` first, and `go get github.com/harmonyhq/harmony` for the SDK", dir)
		}
	}
}

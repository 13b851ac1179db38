// Command gen writes docs/harmony.schema.json and docs/config-reference.md
// from the configuration's Go types. `go generate ./...` runs it from
// internal/configschema.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/harmonyhq/harmony/internal/configschema"
)

// root is the module's directory, seen from internal/configschema.
const root = "../.."

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "configschema:", err)
		os.Exit(1)
	}
}

func run() error {
	s, err := configschema.Generate(root)
	if err != nil {
		return err
	}
	js, err := configschema.JSON(s)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "docs", "harmony.schema.json"), js, 0o600); err != nil {
		return fmt.Errorf("write the schema: %w", err)
	}
	ref := configschema.Reference(s)
	if err := os.WriteFile(filepath.Join(root, "docs", "config-reference.md"), []byte(ref), 0o600); err != nil {
		return fmt.Errorf("write the reference: %w", err)
	}
	return nil
}

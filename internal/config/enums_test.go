package config_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/harmonyhq/harmony/connectors/all" // the built-in kinds, whose blocks the schema covers
	"github.com/harmonyhq/harmony/internal/config"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// TestEnumsGolden loads each testdata/enums/NAME.yaml, a file with one key
// whose value is outside its fixed set of choices, and compares the error
// with NAME.err: the file, line, key and the allowed values, never the
// value given. A file without .err must load. Parse is what config
// validate, serve and a hot reload all run.
func TestEnumsGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "enums", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		t.Run(name, func(t *testing.T) {
			golden := strings.TrimSuffix(file, ".yaml") + ".err"
			_, err := config.Load(file, func(string) (string, bool) { return "", false })
			got := ""
			if err != nil {
				got = err.Error() + "\n"
			}
			if *update {
				if got == "" {
					_ = os.Remove(golden)
					return
				}
				if err := os.WriteFile(golden, []byte(got), 0o600); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, rerr := os.ReadFile(golden)
			if os.IsNotExist(rerr) {
				want, rerr = nil, nil
			}
			if rerr != nil {
				t.Fatal(rerr)
			}
			if got != string(want) {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// Command logscan fails when captured test logs hold an e-mail address or a
// phone number of the demo population. `make test` runs it over the
// directory its test run captured (see internal/testlog).
//
//	go run ./scripts/logscan DIR
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/harmonyhq/harmony/internal/logscan"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// people covers every population size the tests and the demo generate; the
// generator is prefix-stable, so the first n people of a bigger population
// are the people of a population of n.
const people = 5000

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: logscan DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "logscan:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	needles := logscan.FromPopulation(population.Generate(population.DefaultSeed, people))
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	var found []logscan.Finding
	var size int64
	for _, name := range files {
		f, err := os.Open(name) //nolint:gosec // G304: the directory is the argument
		if err != nil {
			return fmt.Errorf("open capture: %w", err)
		}
		if st, err := f.Stat(); err == nil {
			size += st.Size()
		}
		fs, err := needles.Scan(filepath.Base(name), f)
		_ = f.Close()
		if err != nil {
			return err
		}
		found = append(found, fs...)
	}
	if len(files) == 0 || size == 0 {
		return fmt.Errorf("nothing was captured in %s: is log capture wired?", dir)
	}
	for _, f := range found {
		fmt.Println(f)
	}
	fmt.Printf("logscan: %d files, %d bytes, %d demo e-mails and phones looked for, %d lines with personal data\n",
		len(files), size, needles.Len(), len(found))
	if len(found) > 0 {
		return fmt.Errorf("captured logs hold personal data of the demo population (lines above; see internal/testlog)")
	}
	return nil
}

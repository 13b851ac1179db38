// Package cli is the harmony command: the embedded demo, serving a
// configuration, validating one, and listing connector kinds. cmd/harmony
// only calls Main.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/docs/queries"
	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/demo"
	"github.com/harmonyhq/harmony/internal/playground"
	"github.com/harmonyhq/harmony/internal/scaffold"
	"github.com/harmonyhq/harmony/internal/server"
	"github.com/harmonyhq/harmony/internal/storeserver"
)

// command is one subcommand: its name, the one line `harmony help` gives
// it, and the usage `harmony help NAME` and `harmony NAME --help` print.
// Every command Main dispatches has an entry (TestEveryCommandHasHelp).
type command struct {
	name, summary, usage string
}

var commands = []command{
	{"demo", "run the embedded demo: simulators, store, playground (the default)", `harmony [demo] [--addr ADDR] [--data-dir DIR] [--people N]

Run the embedded demo: channel simulators on loopback, the embedded profile
store, the playground at http://ADDR/ and the console at http://ADDR/console.

Flags:
  --addr ADDR      listen address, loopback only (default ` + config.DefaultAddr + `)
  --data-dir DIR   where the embedded store and the demo's POS database keep
                   their files (default ` + config.DefaultDataDir + `)
  --people N       size of the simulated population (default ` + fmt.Sprint(demo.DefaultPeople) + `)
`},
	{"serve", "serve a configuration against real systems", `harmony serve --config FILE [--addr ADDR]

Serve a configuration (YAML) against real systems. The connectors are
reloaded on SIGHUP and when the file changes.

Flags:
  --config FILE    configuration file (required)
  --addr ADDR      listen address (overrides server.addr)
`},
	{"store", "serve a profile store that replicas share (FerretDB over PostgreSQL or SQLite)", `harmony store serve [--addr ADDR] [--postgresql-url URL | --sqlite-dir DIR] [--ready-file FILE] [--allow-remote]

Serve the MongoDB wire protocol over PostgreSQL (a database created if
missing) or SQLite files, for gateway replicas that share one profile store
where no MongoDB runs (docs/deploy.md). It has no TLS and no
authentication: keep it on loopback or a private network.

Flags:
  --addr ADDR            listen address (default ` + storeserver.DefaultAddr + `)
  --postgresql-url URL   PostgreSQL database of the documents (default ` + storeserver.DefaultPostgreSQLURL + `)
  --sqlite-dir DIR       SQLite files instead of PostgreSQL
  --ready-file FILE      written with the mongodb:// URI once ready, removed on exit
  --allow-remote         allow a non-loopback --addr
`},
	{"config", "check a configuration and build its connectors", `harmony config validate FILE

Check a configuration and build its connectors, then exit: 0 when valid, 2
with the file, line, key and reason when not.
`},
	{"queries", "print the safelist manifest of the example operations", `harmony queries manifest [DIR]

Print the safelist of the saved example operations (or of DIR's .graphql
files): a JSON map of each query's sha256 to the query, for
server.persisted_queries.file in safelist mode.
`},
	{"connectors", "list the connector kinds, or check a configuration's connectors", `harmony connectors list
harmony connectors check FILE

list: the connector kinds, the capabilities they can serve and their
documentation.
check: call each configured connector once per capability; print whether it
is reachable, whether it accepts the credentials, the latency and the
capabilities; exit 1 if any fails.
`},
	{"connector", "write a Go connector package with its conformance test", `harmony connector new NAME [--dir DIR]

Write a Go connector package NAME (default directory ./NAME, inside your Go
module) with a test that runs the conformance kit.

Flags:
  --dir DIR        directory of the new package (default ./NAME)
`},
	{"help", "list the commands, or show one command's usage", `harmony help [COMMAND]

Without a command: every command, one line each. With one: its usage, as
harmony COMMAND --help prints it.
`},
}

// usage lists every command, one line each.
func usage() string {
	var b strings.Builder
	b.WriteString("Harmony: one GraphQL customer graph over every channel system.\n\nUsage:\n  harmony [COMMAND] [ARGS]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-11s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'harmony COMMAND --help' (or 'harmony help COMMAND') for a command's usage.\n")
	return b.String()
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func isHelpFlag(a string) bool { return a == "-h" || a == "--help" || a == "-help" }

// asksHelp reports whether args ask for help: -h or --help anywhere before
// a "--" (so that "serve --config --help" never reads --help as a file).
func asksHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelpFlag(a) {
			return true
		}
	}
	return false
}

// help prints the list of commands, or the usage of the one named.
func help(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		_, _ = fmt.Fprint(stdout, usage())
		return 0
	}
	c, ok := lookupCommand(args[0])
	if !ok {
		_, _ = fmt.Fprintf(stderr, "harmony: unknown command %q\n\n%s", args[0], usage())
		return 2
	}
	_, _ = fmt.Fprintf(stdout, "Usage:\n  %s", c.usage)
	return 0
}

// Main runs the command line args and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && isHelpFlag(args[0]) {
		return help(nil, stdout, stderr)
	}
	cmd := "demo"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	if asksHelp(args) {
		if _, ok := lookupCommand(cmd); ok {
			return help([]string{cmd}, stdout, stderr)
		}
	}
	var err error
	switch cmd {
	case "demo":
		err = runDemo(ctx, args, stdout, stderr)
	case "serve":
		err = runServe(ctx, args, stdout, stderr)
	case "store":
		err = runStore(ctx, args, stdout, stderr)
	case "config":
		err = runConfig(ctx, args, stdout, stderr)
	case "queries":
		err = runQueries(args, stdout)
	case "connectors":
		err = runConnectors(ctx, args, stdout)
	case "connector":
		err = runConnectorNew(args, stdout)
	case "help":
		return help(args, stdout, stderr)
	default:
		_, _ = fmt.Fprintf(stderr, "harmony: unknown command %q\n\n%s", cmd, usage())
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "harmony: %v\n", err)
		var ce *config.Error
		if errors.As(err, &ce) || errors.Is(err, errUsage) {
			return 2
		}
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

func logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// demoExamples are the saved example operations of docs/queries, written
// for the demo's customers.
func demoExamples() []playground.Example {
	ex, err := playground.LoadExamples(queries.Files)
	if err != nil {
		panic(err) // embedded at build time: a broken file is a build defect
	}
	return ex
}

// configuredExamples reads the operations of server.examples, relative to
// the configuration file; none when it is not set: the demo's would name
// customers this gateway does not have.
func configuredExamples(cfg *config.Config) ([]playground.Example, error) {
	dir := cfg.Server.Examples
	if dir == "" {
		return nil, nil
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(cfg.Dir(), dir)
	}
	ex, err := playground.LoadExamples(os.DirFS(dir))
	if err == nil && len(ex) == 0 {
		err = errors.New("no .graphql file in " + dir)
	}
	if err != nil {
		return nil, &config.Error{File: cfg.File, Key: "server.examples", Reason: err.Error()}
	}
	return ex, nil
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("harmony demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", config.DefaultAddr, "listen address")
	dataDir := fs.String("data-dir", config.DefaultDataDir, "where the embedded store and the demo's POS database keep their files")
	people := fs.Int("people", demo.DefaultPeople, "size of the simulated population")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := app.CheckOpen(&config.Config{File: "harmony demo"}, *addr); err != nil {
		return err // the demo has no authentication: loopback only
	}
	log := logger(stderr)
	d, err := demo.Start(ctx, demo.Options{DataDir: *dataDir, People: *people, Env: os.LookupEnv})
	if err != nil {
		return err
	}
	defer d.Close()
	d.Config.Server.Addr = *addr // without auth, Serve refuses an address other than loopback
	return serve(ctx, d.Config, demoExamples(), log, stdout, "Harmony demo", func(w io.Writer, bound net.Addr) {
		// The helpdesk simulator delivers its signed webhooks here.
		d.WebhooksTo(bound.String())
		_, _ = fmt.Fprintln(w, "  channel simulators (GET /_sim/stats; POST /_sim/control {\"down\": true} or {\"latency_ms\": 200}):")
		for _, sim := range d.Simulators.All() {
			if sim.Name() == "pos" {
				_, _ = fmt.Fprintf(w, "    %-9s SQLite file %s\n", sim.Name(), filepath.Join(*dataDir, "pos.sqlite"))
				continue
			}
			_, _ = fmt.Fprintf(w, "    %-9s %s\n", sim.Name(), sim.URL())
		}
		printVars(w, d.Simulators.Vars())
	}, nil) // the demo's configuration is built in: nothing to reload
}

// printVars prints the variables a configuration of its own needs to use
// the demo's systems while the demo runs (harmony serve --config beside
// it, as in docs/configuration.md): their addresses and the simulators'
// demo-only credentials, as shell exports. No customer data is among them.
func printVars(w io.Writer, vars map[string]string) {
	_, _ = fmt.Fprintln(w, "\n  To wire another configuration to these systems while the demo runs, export")
	_, _ = fmt.Fprintln(w, "  (demo credentials of the simulators, valid nowhere else):")
	for _, name := range slices.Sorted(maps.Keys(vars)) {
		_, _ = fmt.Fprintf(w, "    export %s=%s\n", name, shellQuote(vars[name]))
	}
}

// shellQuote quotes v for a POSIX shell when it holds anything but plain
// characters.
func shellQuote(v string) string {
	plain := func(r rune) bool {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r)
	}
	if v != "" && strings.IndexFunc(v, func(r rune) bool { return !plain(r) }) < 0 {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("harmony serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("config", "", "configuration file (YAML)")
	addr := fs.String("addr", "", "listen address (overrides server.addr)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file == "" {
		return fmt.Errorf("%w: serve needs --config FILE", errUsage)
	}
	cfg, err := config.Load(*file, os.LookupEnv)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.Server.Addr = *addr
	}
	examples, err := configuredExamples(cfg)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, examples, logger(stderr), stdout, "Harmony", nil, os.LookupEnv)
}

// serve builds the gateway, listens, links identities, and runs until ctx
// ends.
// A non-nil env also reloads the connectors from cfg.File on SIGHUP and
// when the file changes.
func serve(ctx context.Context, cfg *config.Config, examples []playground.Example, log *slog.Logger, stdout io.Writer, what string, banner func(io.Writer, net.Addr), env config.Lookup) error {
	if err := app.CheckOpen(cfg, cfg.Server.Addr); err != nil {
		return err // before starting anything; Serve checks the bound address again
	}
	g, err := app.Build(ctx, cfg, app.Options{Log: log, Examples: examples})
	if err != nil {
		return err
	}
	defer g.Close(context.WithoutCancel(ctx))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	listening := make(chan net.Addr, 1)
	errc := make(chan error, 1)
	go func() { errc <- g.Serve(ctx, cfg.Server.Addr, func(a net.Addr) { listening <- a }) }()
	var bound net.Addr
	select {
	case err := <-errc:
		return err
	case bound = <-listening:
	}
	if *cfg.Identity.SyncOnStart {
		if err := g.Sync(ctx); err != nil {
			cancel()
			<-errc //nolint:errcheck // the sync error is the one to report; this only waits for Serve to end
			return err
		}
	} else {
		g.MarkSynced()
	}
	if env != nil {
		g.WatchConfig(ctx, cfg.File, env)
	}
	if every := cfg.Identity.SyncInterval; every > 0 {
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					if err := g.Sync(ctx); err != nil && ctx.Err() == nil {
						log.Warn("periodic identity sync failed", "error", err.Error())
					}
				}
			}
		}()
	}
	readyBanner(stdout, what, bound, !cfg.Auth.Enabled(), cfg.Server.PlaygroundOn())
	if banner != nil {
		banner(stdout, bound)
	}
	return <-errc
}

func runConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 2 || args[0] != "validate" {
		return fmt.Errorf("%w: harmony config validate FILE", errUsage)
	}
	cfg, err := config.Load(args[1], os.LookupEnv)
	if err != nil {
		return err
	}
	for i, cn := range cfg.Connectors {
		c, err := connectors.Build(ctx, cn.Kind, &cn.Config, connectors.Env{Name: cn.Name, Logger: slog.New(slog.DiscardHandler), BaseDir: cfg.Dir()})
		if err != nil {
			return cfg.ConnectorError(i, err)
		}
		_ = c.Close()
	}
	_, _ = fmt.Fprintf(stdout, "%s: valid, %d connectors\n", args[1], len(cfg.Connectors))
	return nil
}

func runConnectors(ctx context.Context, args []string, stdout io.Writer) error {
	switch {
	case len(args) == 1 && args[0] == "list":
	case len(args) == 2 && args[0] == "check":
		return runCheck(ctx, args[1], stdout)
	default:
		return fmt.Errorf("%w: harmony connectors list | harmony connectors check FILE", errUsage)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "KIND\tCAPABILITIES\tDESCRIPTION")
	for _, k := range connectors.Kinds() {
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\n", k.ID, joinCaps(connectors.KindCapabilities(k)), k.Doc)
	}
	return tw.Flush()
}

func runConnectorNew(args []string, stdout io.Writer) error {
	if len(args) < 2 || args[0] != "new" {
		return fmt.Errorf("%w: harmony connector new NAME [--dir DIR]", errUsage)
	}
	name := args[1]
	fs := flag.NewFlagSet("connector new", flag.ContinueOnError)
	dir := fs.String("dir", name, "directory of the new package")
	if err := fs.Parse(args[2:]); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	files, err := scaffold.Write(*dir, name)
	if err != nil {
		return err
	}
	for _, f := range files {
		_, _ = fmt.Fprintln(stdout, "wrote", f)
	}
	_, _ = fmt.Fprintf(stdout, "next: go test ./%s  (the conformance kit passes as generated), then replace the upstream call\n", filepath.ToSlash(*dir))
	return nil
}

// runQueries prints a safelist manifest.
func runQueries(args []string, stdout io.Writer) error {
	if len(args) < 1 || len(args) > 2 || args[0] != "manifest" {
		return fmt.Errorf("%w: harmony queries manifest [DIR]", errUsage)
	}
	var list []string
	if len(args) == 2 {
		m, err := server.LoadSafelist(args[1])
		if err != nil {
			return err
		}
		for _, q := range m {
			list = append(list, q)
		}
	} else {
		for _, q := range queries.All() {
			list = append(list, q.Query)
		}
	}
	out, err := server.Manifest(list)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}

// readyBanner prints where the gateway answers (the playground only when
// it is served) and, when no auth is configured, says plainly that it is
// open.
func readyBanner(w io.Writer, what string, bound net.Addr, open, playground bool) {
	_, _ = fmt.Fprintf(w, "%s is ready.\n", what)
	if playground {
		_, _ = fmt.Fprintf(w, "  playground: http://%s/\n", bound)
	}
	_, _ = fmt.Fprintf(w, "  console:    http://%s/console\n  graphql:    http://%s/graphql\n  metrics:    http://%s/metrics\n", bound, bound, bound)
	if !open {
		return
	}
	_, _ = fmt.Fprint(w, "\n")
	line := "  WARNING:"
	for _, word := range strings.Fields(server.OpenWarning) {
		if len(line)+1+len(word) > 78 {
			_, _ = fmt.Fprintln(w, line)
			line = "   "
		}
		line += " " + word
	}
	_, _ = fmt.Fprintf(w, "%s\n\n", line)
}

package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/harmonyhq/harmony/internal/storeserver"
)

// runStore is `harmony store serve`: a profile store shared by replicas
// (internal/storeserver).
func runStore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "serve" {
		return fmt.Errorf("%w: harmony store serve [--addr ADDR] [--postgresql-url URL | --sqlite-dir DIR] [--ready-file FILE]", errUsage)
	}
	fs := flag.NewFlagSet("harmony store serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	o := storeserver.Options{}
	fs.StringVar(&o.Addr, "addr", storeserver.DefaultAddr, "listen address of the MongoDB wire protocol (port 0: a free one)")
	fs.BoolVar(&o.AllowRemote, "allow-remote", false, "allow a non-loopback --addr (no TLS, no authentication: private networks only)")
	fs.StringVar(&o.PostgreSQLURL, "postgresql-url", "", "PostgreSQL database of the documents, created if missing (default "+storeserver.DefaultPostgreSQLURL+")")
	fs.StringVar(&o.SQLiteDir, "sqlite-dir", "", "directory of SQLite files instead of PostgreSQL")
	fs.StringVar(&o.ReadyFile, "ready-file", "", "file written with the mongodb:// URI once ready, removed on exit")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: harmony store serve takes no arguments, got %q", errUsage, fs.Arg(0))
	}
	if o.PostgreSQLURL == "" && o.SQLiteDir == "" {
		o.PostgreSQLURL = storeserver.DefaultPostgreSQLURL
	}
	o.Log = logger(stderr)
	err := storeserver.Run(ctx, o, func(uri string) {
		_, _ = fmt.Fprintf(stdout, "Harmony store is ready: %s\n", uri)
	})
	if errors.Is(err, storeserver.ErrUsage) {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	return err
}

// Command harmony is the Harmony gateway. With no arguments it runs the
// embedded demo; see `harmony help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/harmonyhq/harmony/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

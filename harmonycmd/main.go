package harmonycmd

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	_ "github.com/harmonyhq/harmony/connectors/all" // the built-in kinds
	"github.com/harmonyhq/harmony/internal/cli"
)

// Main runs the harmony command with the process's arguments and exits
// with its status. An interrupt or SIGTERM cancels the command (a server
// drains in-flight operations first). It does not return.
func Main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

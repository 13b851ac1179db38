package upstreams

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Serve starts the upstreams, serves the control API on 127.0.0.1:0,
// writes "listening ADDR" to out and runs until ctx ends.
func Serve(ctx context.Context, o Options, out io.Writer) error {
	set, err := Start(ctx, o)
	if err != nil {
		return err
	}
	defer set.Close()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("upstreams control: listen: %w", err)
	}
	srv := &http.Server{Handler: set.Handler(), ReadHeaderTimeout: 10 * time.Second}
	if _, err := fmt.Fprintf(out, "listening %s\n", ln.Addr()); err != nil {
		return err
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("upstreams control: shutdown: %w", err)
	}
	return nil
}

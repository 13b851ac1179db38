package run

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// cpuProfile starts a CPU profile of the gateway for one phase when
// Options.Profiles is set, and returns a function that waits for it and
// writes it to <Profiles>/<name>.pprof.
func (b *bench) cpuProfile(ctx context.Context, name string) (wait func() error) {
	if b.o.Profiles == "" {
		return func() error { return nil }
	}
	secs := max(1, int(b.o.Phase.Seconds()))
	errc := make(chan error, 1)
	go func() { errc <- b.fetchProfile(ctx, secs, filepath.Join(b.o.Profiles, name+".pprof")) }()
	return func() error { return <-errc }
}

func (b *bench) fetchProfile(ctx context.Context, secs int, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("profiles directory: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", b.child.cl.base, secs), nil)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("cpu profile: status %d", resp.StatusCode)
	}
	f, err := os.Create(path) //nolint:gosec // G304: under the profiles directory the operator named
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("cpu profile: %w", err)
	}
	return f.Close()
}

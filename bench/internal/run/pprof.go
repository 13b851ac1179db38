package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// cpuProfile starts a CPU profile and an allocation profile of the
// gateway for one phase when Options.Profiles is set, and returns a
// function that waits for them and writes them to <Profiles>/<name>.pprof
// and <Profiles>/<name>.allocs.pprof (what the phase allocated: go tool
// pprof -sample_index=alloc_space).
func (b *bench) cpuProfile(ctx context.Context, name string) (wait func() error) {
	if b.o.Profiles == "" {
		return func() error { return nil }
	}
	secs := max(1, int(b.o.Phase.Seconds()))
	errc := make(chan error, 2)
	go func() { errc <- b.fetchProfile(ctx, "profile", secs, filepath.Join(b.o.Profiles, name+".pprof")) }()
	go func() { errc <- b.fetchProfile(ctx, "allocs", secs, filepath.Join(b.o.Profiles, name+".allocs.pprof")) }()
	return func() error { return errors.Join(<-errc, <-errc) }
}

func (b *bench) fetchProfile(ctx context.Context, kind string, secs int, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("profiles directory: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/%s?seconds=%d", b.child.cl.base, kind, secs), nil)
	if err != nil {
		return fmt.Errorf("%s profile: %w", kind, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s profile: %w", kind, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s profile: status %d", kind, resp.StatusCode)
	}
	f, err := os.Create(path) //nolint:gosec // G304: under the profiles directory the operator named
	if err != nil {
		return fmt.Errorf("%s profile: %w", kind, err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return fmt.Errorf("%s profile: %w", kind, err)
	}
	return f.Close()
}

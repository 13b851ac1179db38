package reload

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReloadsOnFileChangeAndSignal(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "harmony.yaml")
	if err := os.WriteFile(file, []byte("a: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var applied atomic.Int32
	var fail atomic.Bool
	w := &Watcher{File: file, Debounce: 50 * time.Millisecond, Signals: []os.Signal{syscall.SIGUSR2},
		Apply: func(context.Context) error {
			if fail.Load() {
				return errors.New("harmony.yaml:3: connectors[0].kind: unknown connector kind \"soap\"")
			}
			applied.Add(1)
			return nil
		}}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-w.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("the watch was not set up")
	}

	// A burst of writes is one reload.
	for i := range 5 {
		if err := os.WriteFile(file, []byte("a: "+string(rune('2'+i))+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "a reload after the writes", func() bool { return applied.Load() >= 1 })
	time.Sleep(200 * time.Millisecond)
	if n := applied.Load(); n != 1 {
		t.Errorf("%d reloads for one burst of writes, want 1", n)
	}

	// An editor replacing the file (write elsewhere, rename over).
	tmp := filepath.Join(dir, ".harmony.yaml.swp")
	if err := os.WriteFile(tmp, []byte("a: 9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, file); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a reload after the rename", func() bool { return applied.Load() >= 2 })

	// Another file of the directory is no reason.
	if err := os.WriteFile(filepath.Join(dir, "other.txt"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := applied.Load(); n != 2 {
		t.Errorf("%d reloads, want 2: another file changed", n)
	}

	// A signal; then a failing reload keeps the count and says why.
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a reload after the signal", func() bool { return applied.Load() >= 3 })
	fail.Store(true)
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failure", func() bool { return w.Status().Err != "" })
	st := w.Status()
	if st.Reloads != 3 || st.LastOK.IsZero() || st.FailedAt.IsZero() {
		t.Errorf("status %+v", st)
	}
	fail.Store(false)
	if err := w.Reload(t.Context(), "test"); err != nil || w.Status().Err != "" {
		t.Errorf("a good reload clears the error: %v %+v", err, w.Status())
	}
}

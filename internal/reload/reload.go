// Package reload triggers configuration reloads: on SIGHUP and when the
// configuration file changes (editors that replace the file, Kubernetes
// ConfigMap symlink swaps and plain writes alike), debounced so that one
// save gives one reload. It remembers how the last reload went, for
// /readyz and the log.
package reload

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultDebounce is how long the watcher waits for a burst of file events
// to end.
const DefaultDebounce = 300 * time.Millisecond

// Status is how the last reload went.
type Status struct {
	// Reloads counts the reloads applied since start.
	Reloads int
	// LastOK is when a reload last succeeded.
	LastOK time.Time
	// Err is why the last reload failed, "" when it succeeded (or none
	// ran). The previous configuration is still serving.
	Err string
	// FailedAt is when it failed.
	FailedAt time.Time
}

// Watcher calls Apply when asked to reload.
type Watcher struct {
	// File is the configuration file to watch; empty watches nothing (SIGHUP
	// still works).
	File string
	// Apply loads the file and swaps the running configuration. An error
	// leaves the old one running.
	Apply func(ctx context.Context) error
	// Log receives one line per reload, never the file's values.
	Log *slog.Logger
	// Debounce overrides DefaultDebounce.
	Debounce time.Duration
	// Signals overrides the reload signals (SIGHUP), for tests.
	Signals []os.Signal

	mu     sync.Mutex
	status Status
	ready  chan struct{} // closed once Run watches; see Ready
}

// Ready is closed once Run has set up its signal handler and file watch:
// a change made after that is seen. Tests wait on it rather than sleep.
func (w *Watcher) Ready() <-chan struct{} { return w.readyChan() }

func (w *Watcher) readyChan() chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ready == nil {
		w.ready = make(chan struct{})
	}
	return w.ready
}

// watching closes the Ready channel, once.
func (w *Watcher) watching() {
	ch := w.readyChan()
	select {
	case <-ch:
	default:
		close(ch)
	}
}

// Status returns how the last reload went.
func (w *Watcher) Status() Status {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.status
}

// Reload runs Apply once now and records the outcome.
func (w *Watcher) Reload(ctx context.Context, why string) error {
	start := time.Now()
	err := w.Apply(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.status.Err, w.status.FailedAt = err.Error(), time.Now()
		w.log().Error("configuration reload failed; the previous configuration keeps serving", "trigger", why, "error", err.Error())
		return err
	}
	w.status.Reloads++
	w.status.LastOK, w.status.Err, w.status.FailedAt = time.Now(), "", time.Time{}
	w.log().Info("configuration reloaded", "trigger", why, "took", time.Since(start).Round(time.Millisecond).String())
	return nil
}

func (w *Watcher) log() *slog.Logger {
	if w.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return w.Log
}

// Run reloads on the signals and on changes of File until ctx ends.
func (w *Watcher) Run(ctx context.Context) error {
	sigs := w.Signals
	if sigs == nil {
		sigs = []os.Signal{syscall.SIGHUP}
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, sigs...)
	defer signal.Stop(sigc)

	var events <-chan fsnotify.Event
	var errs <-chan error
	if w.File != "" {
		fw, err := fsnotify.NewWatcher()
		if err != nil {
			return fmt.Errorf("watch the configuration: %w", err)
		}
		defer func() { _ = fw.Close() }()
		// Watch the directory: editors and ConfigMaps replace the file, and
		// a watch on the file itself ends with the old inode.
		if err := fw.Add(filepath.Dir(w.File)); err != nil {
			return fmt.Errorf("watch the configuration's directory: %w", err)
		}
		events, errs = fw.Events, fw.Errors
	}
	debounce := w.Debounce
	if debounce <= 0 {
		debounce = DefaultDebounce
	}
	w.watching()
	target := filepath.Clean(w.File)
	var timer *time.Timer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-sigc:
			_ = w.Reload(ctx, s.String())
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if !w.concerns(ev, target) {
				continue
			}
			if timer == nil {
				timer = time.NewTimer(debounce)
			} else {
				timer.Reset(debounce)
			}
			fire = timer.C
		case <-fire:
			fire = nil
			_ = w.Reload(ctx, "file changed")
		case err, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			w.log().Warn("configuration watch error", "error", err.Error())
		}
	}
}

// concerns reports whether ev may have changed the file: an event on it, or
// on the "..data" symlink Kubernetes swaps for a ConfigMap.
func (w *Watcher) concerns(ev fsnotify.Event, target string) bool {
	if ev.Op == fsnotify.Chmod {
		return false
	}
	name := filepath.Clean(ev.Name)
	return name == target || filepath.Base(name) == "..data"
}

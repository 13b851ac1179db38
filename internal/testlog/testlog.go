// Package testlog gives tests loggers whose output is also captured for the
// personal-data scan of `make test`.
//
// When HARMONY_LOG_CAPTURE names a directory, everything written through
// Tee or Logger is appended to a file of this process in that directory;
// `make test` then scans the directory with internal/logscan and fails on any
// e-mail address or phone number of the demo population. Without the
// variable, Tee returns its writer unchanged.
package testlog

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// EnvDir is the variable naming the capture directory.
const EnvDir = "HARMONY_LOG_CAPTURE"

var (
	once    sync.Once
	capture io.Writer // nil when capture is off or the file could not be made
)

// lockedFile serialises writes from the loggers of concurrent tests.
type lockedFile struct {
	mu sync.Mutex
	f  *os.File
}

func (l *lockedFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

func captureWriter() io.Writer {
	once.Do(func() {
		dir := os.Getenv(EnvDir)
		if dir == "" {
			return
		}
		name := filepath.Join(dir, fmt.Sprintf("%s-%d.log", filepath.Base(os.Args[0]), os.Getpid()))
		f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600) //nolint:gosec // G304: the test run names the directory
		if err != nil {
			fmt.Fprintf(os.Stderr, "testlog: capture is off: %v\n", err)
			return
		}
		capture = &lockedFile{f: f}
	})
	return capture
}

// Tee returns a writer that writes to w and, when capture is on, to the
// capture file too.
func Tee(w io.Writer) io.Writer {
	c := captureWriter()
	if c == nil {
		return w
	}
	return io.MultiWriter(w, c)
}

// Logger is a JSON logger at debug level, so the scan sees every line the
// code could log, writing to w through Tee.
func Logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(Tee(w), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

package testenv

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The variables that name the services, and the one that collects skips.
const (
	PostgresDSNVar = "HARMONY_TEST_POSTGRES_DSN"
	RedisAddrVar   = "HARMONY_TEST_REDIS_ADDR"
	NATSURLVar     = "HARMONY_TEST_NATS_URL"
	SkipsDirVar    = "HARMONY_TEST_SKIPS"
)

// Defaults when the variables are unset: the services of a developer's
// machine and of CI, on their standard ports.
const (
	DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	DefaultRedisAddr   = "127.0.0.1:6379"
	DefaultNATSURL     = "nats://127.0.0.1:4222"
)

// Service names, as the skip summary prints them.
const (
	ServicePostgreSQL = "PostgreSQL"
	ServiceRedis      = "Redis"
	ServiceNATS       = "NATS"
)

// probeTimeout bounds one probe; a local service answers in milliseconds.
const probeTimeout = 3 * time.Second

// Required reports whether a missing service fails the tests that need it
// rather than skipping them: on CI, which runs every service.
func Required() bool { return os.Getenv("CI") != "" }

type probe struct {
	once sync.Once
	addr string // what the tests are given: a DSN, an address, a URL
	err  error
}

var postgres, redis probe

// PostgresDSN returns the DSN of the test PostgreSQL, or why it cannot be
// used, without a test: for code that runs once per process (a TestMain, a
// shared fixture). Tests call Postgres.
func PostgresDSN() (string, error) {
	postgres.once.Do(func() {
		postgres.addr = cmpOr(os.Getenv(PostgresDSNVar), DefaultPostgresDSN)
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		defer cancel()
		conn, err := pgx.Connect(ctx, postgres.addr)
		if err != nil {
			postgres.err = fmt.Errorf("no PostgreSQL at %s: %w", hostOf(postgres.addr), err)
			return
		}
		_ = conn.Close(ctx)
	})
	return postgres.addr, postgres.err
}

// Postgres returns the DSN of the test PostgreSQL (user postgres, database
// postgres, allowed to create schemas), or skips t when there is none.
func Postgres(t testing.TB) string {
	t.Helper()
	dsn, err := PostgresDSN()
	if err != nil {
		Missing(t, ServicePostgreSQL, err)
	}
	return dsn
}

// RedisAddr returns the address of the test Redis, or why it cannot be
// used, without a test. Tests call Redis.
func RedisAddr() (string, error) {
	redis.once.Do(func() {
		redis.addr = cmpOr(os.Getenv(RedisAddrVar), DefaultRedisAddr)
		if err := ping(redis.addr); err != nil {
			redis.err = fmt.Errorf("no Redis at %s: %w", redis.addr, err)
		}
	})
	return redis.addr, redis.err
}

// Redis returns the address (host:port) of the test Redis, or skips t when
// there is none. Tests share it: each uses key names of its own.
func Redis(t testing.TB) string {
	t.Helper()
	addr, err := RedisAddr()
	if err != nil {
		Missing(t, ServiceRedis, err)
	}
	return addr
}

// dial connects to addr within probeTimeout.
func dial(addr string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
}

// ping sends a Redis PING and expects PONG.
func ping(addr string) error {
	c, err := dial(addr)
	if err != nil {
		return err
	}
	defer func() { _ = c.Close() }()
	_ = c.SetDeadline(time.Now().Add(probeTimeout))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return fmt.Errorf("answered %q to PING", strings.TrimSpace(line))
	}
	return nil
}

// Missing skips t because service is not reachable (err says why), and
// records the skip for the summary; on CI it fails t instead.
func Missing(t testing.TB, service string, err error) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is required on CI: %v", service, err)
	}
	Record(service, t.Name(), err)
	t.Skipf("%v: skipping (%s)", err, hint(service))
}

// Record appends a line (service, what did without it, why) to this
// process's file in the HARMONY_TEST_SKIPS directory, when it is set. It is
// for what runs without a test at hand, such as a shared fixture that falls
// back to another backend; tests call Missing.
func Record(service, what string, why error) {
	dir := os.Getenv(SkipsDirVar)
	if dir == "" {
		return
	}
	skipMu.Lock()
	defer skipMu.Unlock()
	name := filepath.Join(dir, fmt.Sprintf("skips-%d.tsv", os.Getpid()))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600) //nolint:gosec // the directory make test names

	if err != nil {
		return // the summary is a courtesy: the skip itself is in the test's output
	}
	defer func() { _ = f.Close() }()
	reason := strings.ReplaceAll(why.Error(), "\n", " ")
	_, _ = fmt.Fprintf(f, "%s\t%s %s\t%s\n", service, packageDir(), what, strings.ReplaceAll(reason, "\t", " "))
}

var skipMu sync.Mutex

func hint(service string) string {
	switch service {
	case ServicePostgreSQL:
		return "start it, or name one with " + PostgresDSNVar + "; scripts/test-services.sh starts one"
	case ServiceRedis:
		return "start it, or name one with " + RedisAddrVar + "; scripts/test-services.sh starts one"
	}
	return "start it"
}

// packageDir is the directory of the package under test relative to the
// module, as `go test` runs a test binary in its package's directory.
func packageDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "?"
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			if rel, err := filepath.Rel(d, wd); err == nil {
				return filepath.ToSlash(rel)
			}
			return wd
		}
		parent := filepath.Dir(d)
		if parent == d {
			return wd
		}
		d = parent
	}
}

// hostOf is the host:port of a PostgreSQL URL, so that messages never
// print a password; a key=value DSN is not echoed at all.
func hostOf(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "the configured DSN"
	}
	return u.Host
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

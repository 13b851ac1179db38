package sources_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	_ "github.com/harmonyhq/harmony/connectors/rest" // the rest kind
	"github.com/harmonyhq/harmony/internal/sources"
)

// slowSystem is a real HTTP server whose first fastFails requests answer 503
// at once and whose later ones hang until the client gives up (or the test
// ends). It counts the requests it gets.
type slowSystem struct {
	srv       *httptest.Server
	requests  atomic.Int64
	fastFails int64
	alternate bool // odd requests answer 503 at once, even ones hang
}

func newSlowSystem(t *testing.T, fastFails int64) *slowSystem {
	t.Helper()
	return startSlowSystem(t, &slowSystem{fastFails: fastFails})
}

func startSlowSystem(t *testing.T, s *slowSystem) *slowSystem {
	t.Helper()
	done := make(chan struct{})
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.requests.Add(1)
		if n <= s.fastFails || (s.alternate && n%2 == 1) {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		select { // hang
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); s.srv.Close() })
	return s
}

// source guards a rest connector reading profiles from the system.
func (s *slowSystem) source(t *testing.T, o sources.Options) *sources.Source {
	t.Helper()
	conn := connectortest.Build(t, "rest", `
base_url: `+s.srv.URL+`
profiles: {path: /people, query: {ids: '{{join .Keys ","}}'}, records: $.data, key: $.id}
`, connectors.Env{Name: "callcenter", HTTPClient: s.srv.Client()})
	return sources.New("callcenter", "rest", conn, o, nil, nil)
}

// timeout is the guard's timeout in these tests: long enough that the
// bounds below leave room for a busy machine under -race, short enough
// that the old behaviour (a timeout per attempt) misses them by whole
// timeouts.
const timeout = time.Second

// TestAHangingSystemCostsOneTimeout: a read of a system that hangs ends
// after one Timeout, whatever the retries, and makes one request: retries
// spend what is left of the read's deadline, and nothing is left. Before,
// each of the 3 attempts had a Timeout of its own (3 s × 3 in issue 15).
func TestAHangingSystemCostsOneTimeout(t *testing.T) {
	sys := newSlowSystem(t, 0)
	src := sys.source(t, sources.Options{Timeout: timeout, Retries: 2, BreakerFailures: 100,
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	start := time.Now()
	_, err := src.Profiles(t.Context(), []string{"a"})
	took := time.Since(start)
	if connectors.CodeOf(err) != connectors.CodeTimeout {
		t.Errorf("err = %v, want UPSTREAM_TIMEOUT", err)
	}
	if took < timeout || took > timeout*3/2 {
		t.Errorf("the read took %s, want one timeout (%s)", took, timeout)
	}
	if n := sys.requests.Load(); n != 1 {
		t.Errorf("%d requests, want 1: no time was left for a retry", n)
	}
}

// TestRetriesSpendWhatIsLeft: a fast failure is retried, and the retry
// that hangs has only what is left of the read's deadline.
func TestRetriesSpendWhatIsLeft(t *testing.T) {
	sys := newSlowSystem(t, 1)
	src := sys.source(t, sources.Options{Timeout: timeout, Retries: 2, BreakerFailures: 100,
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	start := time.Now()
	_, err := src.Profiles(t.Context(), []string{"a"})
	took := time.Since(start)
	if connectors.CodeOf(err) != connectors.CodeTimeout {
		t.Errorf("err = %v, want UPSTREAM_TIMEOUT", err)
	}
	if took > timeout*3/2 {
		t.Errorf("the read took %s, want at most its timeout (%s)", took, timeout)
	}
	if n := sys.requests.Load(); n != 2 {
		t.Errorf("%d requests, want 2 (the 503, then the retry that hangs)", n)
	}
}

// TestTimeoutsOpenTheBreaker: reads that time out count against the
// system's breaker; once open, reads fail fast without reaching it.
func TestTimeoutsOpenTheBreaker(t *testing.T) {
	sys := newSlowSystem(t, 0)
	src := sys.source(t, sources.Options{Timeout: timeout / 4, Retries: 2, BreakerFailures: 3,
		BreakerCoolDown: time.Hour, BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	for i := range 3 {
		if _, err := src.Profiles(t.Context(), []string{"a"}); connectors.CodeOf(err) != connectors.CodeTimeout {
			t.Fatalf("read %d: err = %v, want UPSTREAM_TIMEOUT", i, err)
		}
	}
	if got := src.BreakerState(); got != sources.BreakerOpen {
		t.Fatalf("breaker %s after 3 timed-out reads, want open", got)
	}
	before := sys.requests.Load()
	start := time.Now()
	_, err := src.Profiles(t.Context(), []string{"b"})
	if connectors.CodeOf(err) != connectors.CodeCircuitOpen {
		t.Errorf("err = %v, want CIRCUIT_OPEN", err)
	}
	if took := time.Since(start); took > timeout/4 {
		t.Errorf("an open breaker took %s to answer", took)
	}
	if sys.requests.Load() != before {
		t.Error("a read reached the system while its breaker was open")
	}
}

// readLeaving reads a profile with a caller that leaves after d.
func readLeaving(t *testing.T, src *sources.Source, d time.Duration) error {
	t.Helper()
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	timer := time.AfterFunc(d, stop) // a cancellation, as when a client leaves
	defer timer.Stop()
	_, err := src.Profiles(ctx, []string{"a"})
	return err
}

// TestATimeoutCountsEvenIfTheCallerLeavesLater: a read that timed out
// counts against the breaker although its caller left afterwards. Before,
// each attempt had its own timeout: the first timed out, the retry was
// running when the client left (the operation took 3 × 3 s, the client
// gave up), and the whole read was excluded from the breaker as "the
// caller gave up", so the breaker never opened (issue 15).
func TestATimeoutCountsEvenIfTheCallerLeavesLater(t *testing.T) {
	sys := newSlowSystem(t, 0)
	const d = timeout / 2
	src := sys.source(t, sources.Options{Timeout: d, Retries: 2, BreakerFailures: 2, BreakerCoolDown: time.Hour,
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	for i := range 2 {
		if err := readLeaving(t, src, d*3/2); err == nil {
			t.Fatalf("read %d answered", i)
		}
	}
	if got := src.BreakerState(); got != sources.BreakerOpen {
		t.Errorf("breaker %s after two reads that timed out before their callers left, want open", got)
	}
}

// TestAFailureBeforeTheCallerLeftCounts: a system that answers 503 and
// then hangs on the retry, whose caller leaves during the retry, failed by
// itself first: that failure counts against its breaker.
func TestAFailureBeforeTheCallerLeftCounts(t *testing.T) {
	sys := startSlowSystem(t, &slowSystem{alternate: true})
	src := sys.source(t, sources.Options{Timeout: timeout, Retries: 2, BreakerFailures: 2, BreakerCoolDown: time.Hour,
		BackoffBase: time.Millisecond, BackoffMax: 5 * time.Millisecond})
	for i := range 2 {
		if err := readLeaving(t, src, timeout/2); err == nil {
			t.Fatalf("read %d answered", i)
		}
	}
	if n := sys.requests.Load(); n != 4 {
		t.Errorf("%d requests, want 4 (a 503 and a hanging retry each)", n)
	}
	if got := src.BreakerState(); got != sources.BreakerOpen {
		t.Errorf("breaker %s, want open", got)
	}
}

// TestAnUnexpectedShapeIsABadResponse: a system that answers 200 with
// another shape than its mapping expects fails the read with
// UPSTREAM_BAD_RESPONSE naming the connector, instead of answering every
// key "not found" (issue 15: the profile data silently went missing).
func TestAnUnexpectedShapeIsABadResponse(t *testing.T) {
	for _, body := range []string{`{"error": "maintenance"}`, `{"data": "none"}`, `"ok"`, `{"data": [1, 2]}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(body))
		}))
		sys := &slowSystem{srv: srv}
		src := sys.source(t, sources.Options{Retries: 2})
		out, err := src.Profiles(t.Context(), []string{"a", "b"})
		srv.Close()
		var ce *connectors.Error
		if !errors.As(err, &ce) || ce.Code != connectors.CodeBadResponse || ce.Connector != "callcenter" {
			t.Errorf("%s: %v, %v; want UPSTREAM_BAD_RESPONSE from callcenter", body, out, err)
		}
	}
}

package sources_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
)

// scripted is a connector that fails its first calls with the given errors
// and answers every key afterwards. It serves profiles, orders and lookup.
type scripted struct {
	mu    sync.Mutex
	fails []error
	calls atomic.Int64
	block func(ctx context.Context) error // when set, runs on every call
}

func (s *scripted) Close() error { return nil }

func (s *scripted) next(ctx context.Context) error {
	s.calls.Add(1)
	if s.block != nil {
		if err := s.block(ctx); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.fails) == 0 {
		return nil
	}
	err := s.fails[0]
	if len(s.fails) > 1 {
		s.fails = s.fails[1:]
	}
	return err
}

// setFails replaces the script; the last error repeats forever, nil heals.
func (s *scripted) setFails(errs ...error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = errs
}

func (s *scripted) Profiles(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	if err := s.next(ctx); err != nil {
		return nil, err
	}
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		out[i] = &connectors.Profile{Key: k, Fields: map[string]string{"city": "Lyon"}}
	}
	return out, nil
}

func (s *scripted) Orders(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	if err := s.next(ctx); err != nil {
		return nil, err
	}
	out := make([][]connectors.Order, len(keys))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, k := range keys {
		for j := range 3 {
			out[i] = append(out[i], connectors.Order{ID: k + "-" + string(rune('a'+j)), CustomerKey: k, PlacedAt: base.Add(time.Duration(j) * time.Hour)})
		}
	}
	return out, nil
}

func (s *scripted) FindProfiles(ctx context.Context, _ []connectors.Identifier) ([]connectors.Profile, error) {
	if err := s.next(ctx); err != nil {
		return nil, err
	}
	return nil, nil
}

func coded(code connectors.Code) error { return connectors.Errorf(code, "scripted failure") }

// fast makes retries quick; tests never assert on durations.
func fast(o sources.Options) sources.Options {
	o.BackoffBase, o.BackoffMax = time.Millisecond, 5*time.Millisecond
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	return o
}

func TestRetries(t *testing.T) {
	rateLimited := connectors.Errorf(connectors.CodeRateLimited, "slow down")
	rateLimited.RetryAfter = 10 * time.Millisecond
	tests := []struct {
		name     string
		retries  int
		fails    []error
		cap      string // "profiles" (default), "orders", "lookup"
		attempts int64
		code     connectors.Code // "" for success
	}{
		{"unavailable is retried until attempts run out", 2, []error{coded(connectors.CodeUnavailable)}, "", 3, connectors.CodeUnavailable},
		{"timeout is retried", 2, []error{coded(connectors.CodeTimeout)}, "", 3, connectors.CodeTimeout},
		{"an unclassified error is unavailable and retried", 1, []error{errors.New("connection reset")}, "", 2, connectors.CodeUnavailable},
		{"rate limited is retried after Retry-After", 2, []error{rateLimited}, "", 3, connectors.CodeRateLimited},
		{"a retry that succeeds answers", 2, []error{coded(connectors.CodeUnavailable), nil}, "", 2, ""},
		{"bad response is not retried", 2, []error{coded(connectors.CodeBadResponse)}, "", 1, connectors.CodeBadResponse},
		{"unauthorized is not retried", 2, []error{coded(connectors.CodeUnauthorized)}, "", 1, connectors.CodeUnauthorized},
		{"rejected is not retried", 2, []error{coded(connectors.CodeRejected)}, "", 1, connectors.CodeRejected},
		{"a connector bug is not retried", 2, []error{coded(connectors.CodeInternal)}, "", 1, connectors.CodeInternal},
		{"zero retries means one attempt", 0, []error{coded(connectors.CodeUnavailable)}, "", 1, connectors.CodeUnavailable},
		{"orders are retried", 1, []error{coded(connectors.CodeUnavailable)}, "orders", 2, connectors.CodeUnavailable},
		{"lookup is retried", 1, []error{coded(connectors.CodeUnavailable)}, "lookup", 2, connectors.CodeUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &scripted{fails: tt.fails}
			reg := prometheus.NewRegistry()
			src := sources.New("crm", "test", conn, fast(sources.Options{Retries: tt.retries}), sources.NewMetrics(reg), nil)
			var err error
			switch tt.cap {
			case "orders":
				_, err = src.Orders(t.Context(), []string{"a"}, connectors.Window{Limit: 5})
			case "lookup":
				_, err = src.FindProfiles(t.Context(), []connectors.Identifier{{Kind: "email", Value: "x"}})
			default:
				_, err = src.Profiles(t.Context(), []string{"a", "b"})
			}
			if got := conn.calls.Load(); got != tt.attempts {
				t.Errorf("attempts = %d, want %d", got, tt.attempts)
			}
			if got := connectors.CodeOf(err); got != tt.code {
				t.Errorf("code = %q, want %q (err %v)", got, tt.code, err)
			}
			var ce *connectors.Error
			if err != nil && (!errors.As(err, &ce) || ce.Connector != "crm") {
				t.Errorf("error %v does not name the connector", err)
			}
		})
	}
}

func TestNoRetryBeyondTheDeadline(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter time.Duration
		deadline   time.Duration
		timeout    time.Duration
	}{
		{"Retry-After past the operation's deadline", 30 * time.Second, 2 * time.Second, 10 * time.Second},
		{"Retry-After longer than the timeout", 30 * time.Second, 0, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := connectors.Errorf(connectors.CodeRateLimited, "slow down")
			e.RetryAfter = tt.retryAfter
			conn := &scripted{fails: []error{e}}
			src := sources.New("crm", "test", conn, sources.Options{Retries: 3, Timeout: tt.timeout}, nil, nil)
			ctx := t.Context()
			if tt.deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			_, err := src.Profiles(ctx, []string{"a"})
			if connectors.CodeOf(err) != connectors.CodeRateLimited {
				t.Errorf("err = %v, want rate limited", err)
			}
			if got := conn.calls.Load(); got != 1 {
				t.Errorf("attempts = %d, want 1", got)
			}
			if ctx.Err() != nil {
				t.Error("answered after the deadline")
			}
		})
	}
}

func TestBreakerOpensAndRecovers(t *testing.T) {
	conn := &scripted{fails: []error{coded(connectors.CodeUnavailable)}}
	reg := prometheus.NewRegistry()
	src := sources.New("helpdesk", "test", conn, fast(sources.Options{
		BreakerFailures: 3, BreakerCoolDown: 100 * time.Millisecond,
	}), sources.NewMetrics(reg), nil)
	gauge := func() float64 {
		return testutil.ToFloat64(metricVec(t, reg, "harmony_connector_breaker_state", "helpdesk"))
	}
	for range 3 {
		if _, err := src.Profiles(t.Context(), []string{"a"}); connectors.CodeOf(err) != connectors.CodeUnavailable {
			t.Fatalf("err = %v, want unavailable", err)
		}
	}
	if src.BreakerState() != sources.BreakerOpen || gauge() != 2 {
		t.Fatalf("after 3 failures: state %s, gauge %v; want open, 2", src.BreakerState(), gauge())
	}
	for range 5 {
		_, err := src.Profiles(t.Context(), []string{"a"})
		var ce *connectors.Error
		if !errors.As(err, &ce) || ce.Code != connectors.CodeCircuitOpen || ce.Connector != "helpdesk" {
			t.Fatalf("err = %v, want CIRCUIT_OPEN naming helpdesk", err)
		}
	}
	if got := conn.calls.Load(); got != 3 {
		t.Errorf("upstream calls while open = %d, want 3", got)
	}

	conn.setFails(nil)
	waitFor(t, func() bool { return src.BreakerState() == sources.BreakerHalfOpen })
	if gauge() != 1 {
		t.Errorf("gauge = %v in half-open, want 1", gauge())
	}
	if _, err := src.Profiles(t.Context(), []string{"a"}); err != nil {
		t.Fatalf("probe call: %v", err)
	}
	if src.BreakerState() != sources.BreakerClosed || gauge() != 0 {
		t.Errorf("after a good probe: state %s, gauge %v; want closed, 0", src.BreakerState(), gauge())
	}
}

func TestBreakerIgnoresCallerCancellationAndRefusals(t *testing.T) {
	tests := []struct {
		name string
		call func(t *testing.T, src *sources.Source, conn *scripted)
	}{
		{"caller cancellation", func(t *testing.T, src *sources.Source, conn *scripted) {
			conn.block = func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
			ctx, cancel := context.WithCancel(t.Context())
			go func() {
				for conn.calls.Load() == 0 {
					time.Sleep(time.Millisecond)
				}
				cancel()
			}()
			_, _ = src.Profiles(ctx, []string{"a"})
			conn.calls.Store(0)
		}},
		{"rejected request", func(t *testing.T, src *sources.Source, conn *scripted) {
			conn.setFails(coded(connectors.CodeRejected))
			_, _ = src.Profiles(t.Context(), []string{"a"})
		}},
		{"unauthorized", func(t *testing.T, src *sources.Source, conn *scripted) {
			conn.setFails(coded(connectors.CodeUnauthorized))
			_, _ = src.Profiles(t.Context(), []string{"a"})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn := &scripted{}
			src := sources.New("crm", "test", conn, fast(sources.Options{BreakerFailures: 2}), nil, nil)
			for range 4 {
				tt.call(t, src, conn)
			}
			if got := src.BreakerState(); got != sources.BreakerClosed {
				t.Errorf("breaker %s, want closed", got)
			}
		})
	}
}

func TestInFlightCap(t *testing.T) {
	var cur, peak atomic.Int64
	conn := &scripted{block: func(context.Context) error {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
		cur.Add(-1)
		return nil
	}}
	src := sources.New("crm", "test", conn, fast(sources.Options{MaxInFlight: 2, MaxBatch: 1, MaxConcurrency: 8}), nil, nil)
	keys := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	var wg sync.WaitGroup
	for range 3 { // three operations at once share the cap
		wg.Go(func() {
			out, err := src.Profiles(t.Context(), keys)
			if err != nil || len(out) != len(keys) {
				t.Errorf("profiles: %d results, %v", len(out), err)
			}
		})
	}
	wg.Wait()
	if p := peak.Load(); p < 1 || p > 2 {
		t.Errorf("peak in flight = %d, want at most 2", p)
	}
}

func TestInFlightWaitRespectsTheContext(t *testing.T) {
	release := make(chan struct{})
	conn := &scripted{block: func(ctx context.Context) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	src := sources.New("crm", "test", conn, fast(sources.Options{MaxInFlight: 1, BreakerFailures: 1}), nil, nil)
	done := make(chan error, 1)
	go func() { _, err := src.Profiles(t.Context(), []string{"holder"}); done <- err }()
	waitFor(t, func() bool { return conn.calls.Load() == 1 })

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err := src.Profiles(ctx, []string{"waiter"})
	if err == nil {
		t.Fatal("a call without a free slot succeeded")
	}
	if got := conn.calls.Load(); got != 1 {
		t.Errorf("upstream calls = %d, want 1 (the waiter never reached the system)", got)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("holder: %v", err)
	}
	if got := src.BreakerState(); got != sources.BreakerClosed {
		t.Errorf("breaker %s after a wait for a slot, want closed", got)
	}
}

func TestStaleFallback(t *testing.T) {
	conn := &scripted{}
	reg := prometheus.NewRegistry()
	src := sources.New("crm", "test", conn, fast(sources.Options{StaleFor: time.Hour, MaxBatch: 2}), sources.NewMetrics(reg), nil)
	// A read without a report (a background job) is not remembered.
	if _, err := src.Profiles(t.Context(), []string{"c"}); err != nil {
		t.Fatal(err)
	}
	op, _ := sources.WithStaleReport(t.Context())
	if _, err := src.Profiles(op, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Orders(op, []string{"a"}, connectors.Window{Limit: 2}); err != nil {
		t.Fatal(err)
	}
	conn.setFails(coded(connectors.CodeUnavailable))

	tests := []struct {
		name     string
		run      func(ctx context.Context) (answered []bool, err error)
		wantErr  bool
		partial  bool
		answered []bool
		stale    bool
	}{
		{"every key has a last good value", func(ctx context.Context) ([]bool, error) {
			out, err := src.Profiles(ctx, []string{"b", "a", "b"})
			return profilesAnswered(out), err
		}, false, false, []bool{true, true, true}, true},
		{"some keys have none", func(ctx context.Context) ([]bool, error) {
			out, err := src.Profiles(ctx, []string{"a", "c", "d"})
			return profilesAnswered(out), err
		}, true, true, []bool{true, false, false}, true},
		{"no key has one", func(ctx context.Context) ([]bool, error) {
			out, err := src.Profiles(ctx, []string{"c"})
			return profilesAnswered(out), err
		}, true, false, nil, false},
		{"a window within the one remembered", func(ctx context.Context) ([]bool, error) {
			out, err := src.Orders(ctx, []string{"a"}, connectors.Window{Limit: 1})
			return []bool{len(out) == 1 && len(out[0]) == 1}, err
		}, false, false, []bool{true}, true},
		{"a larger limit than the one remembered", func(ctx context.Context) ([]bool, error) {
			_, err := src.Orders(ctx, []string{"a"}, connectors.Window{Limit: 10})
			return nil, err
		}, true, false, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, report := sources.WithStaleReport(t.Context())
			answered, err := tt.run(ctx)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			var pe *sources.PartialError
			if errors.As(err, &pe) != tt.partial {
				t.Errorf("partial = %v, want %v (err %v)", !tt.partial, tt.partial, err)
			}
			if pe != nil {
				for i, a := range tt.answered {
					if pe.Failed(i) == a {
						t.Errorf("key %d: failed %v, answered %v", i, pe.Failed(i), a)
					}
				}
				if connectors.CodeOf(err) != connectors.CodeUnavailable {
					t.Errorf("code = %s, want the failure's", connectors.CodeOf(err))
				}
			}
			if tt.answered != nil && !equalBools(answered[:len(tt.answered)], tt.answered) {
				t.Errorf("answered = %v, want %v", answered, tt.answered)
			}
			entries := report.Entries()
			if tt.stale != (len(entries) == 1) {
				t.Fatalf("report = %+v, want stale %v", entries, tt.stale)
			}
			if tt.stale && (entries[0].Connector != "crm" || entries[0].Age < 0) {
				t.Errorf("entry = %+v", entries[0])
			}
		})
	}
}

func TestStaleFallbackOff(t *testing.T) {
	conn := &scripted{}
	src := sources.New("crm", "test", conn, fast(sources.Options{}), nil, nil)
	ctx, _ := sources.WithStaleReport(t.Context())
	if _, err := src.Profiles(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	conn.setFails(coded(connectors.CodeUnavailable))
	if _, err := src.Profiles(ctx, []string{"a"}); connectors.CodeOf(err) != connectors.CodeUnavailable {
		t.Errorf("err = %v, want unavailable with stale_for 0", err)
	}
}

func profilesAnswered(out []*connectors.Profile) []bool {
	a := make([]bool, len(out))
	for i, p := range out {
		a[i] = p != nil && p.Get("city") == "Lyon"
	}
	return a
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// waitFor polls cond for up to 10 seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// metricVec finds the gauge of a metric family by its connector label.
func metricVec(t *testing.T, reg *prometheus.Registry, name, connector string) prometheus.Collector {
	t.Helper()
	return collectorFunc(func(ch chan<- prometheus.Metric) {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != name {
				continue
			}
			for _, m := range mf.GetMetric() {
				for _, l := range m.GetLabel() {
					if l.GetName() == "connector" && l.GetValue() == connector {
						ch <- prometheus.MustNewConstMetric(prometheus.NewDesc(name, "", nil, nil), prometheus.GaugeValue, m.GetGauge().GetValue())
					}
				}
			}
		}
	})
}

type collectorFunc func(chan<- prometheus.Metric)

func (f collectorFunc) Describe(chan<- *prometheus.Desc)    {}
func (f collectorFunc) Collect(ch chan<- prometheus.Metric) { f(ch) }

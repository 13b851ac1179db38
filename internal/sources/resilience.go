package sources

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/harmonyhq/harmony/connectors"
)

// retryable lists the capabilities whose calls may be retried: reads, which
// are idempotent. Retry is an explicit opt-in: a capability missing here
// (actions, erasure and any future one, which may change data) is never
// retried.
var retryable = map[connectors.Capability]bool{
	connectors.CapProfiles:     true,
	connectors.CapListProfiles: true,
	connectors.CapOrders:       true,
	connectors.CapInteractions: true,
	connectors.CapLookup:       true,
}

// staleable lists the capabilities answered from last good values when the
// system fails: the per-key reads. Listing and lookup feed identity
// resolution, which must not link records on old data.
var staleable = map[connectors.Capability]bool{
	connectors.CapProfiles:     true,
	connectors.CapOrders:       true,
	connectors.CapInteractions: true,
}

// retryableCode reports whether a failure with code may succeed when tried
// again: the system was unreachable, slow or asked to slow down. A bad
// response, a refusal or a connector bug would fail the same way again.
func retryableCode(code connectors.Code) bool {
	switch code {
	case connectors.CodeUnavailable, connectors.CodeTimeout, connectors.CodeRateLimited:
		return true
	}
	return false
}

// breakerFailure reports whether a failure with code counts against the
// system's breaker. Refusals (bad credentials, an invalid request) are the
// gateway's or its configuration's doing, not the system's health.
func breakerFailure(code connectors.Code) bool {
	switch code {
	case connectors.CodeUnauthorized, connectors.CodeRejected:
		return false
	}
	return true
}

// errNoSlot is the cause of a call that found no free slot of the in-flight
// cap before its deadline.
var errNoSlot = errors.New("no free slot for an upstream call before the deadline")

// errExcluded marks outcomes that tell nothing about the system's health:
// the caller gave up, or the call never left the gateway (no free slot).
var errExcluded = errors.New("outcome excluded from the breaker")

func newBreaker(name string, o Options, m *Metrics, log *slog.Logger) *gobreaker.TwoStepCircuitBreaker[struct{}] {
	failures := uint32(o.BreakerFailures) //nolint:gosec // G115: validated positive and bounded by the configuration
	m.breaker.WithLabelValues(name).Set(breakerClosed)
	return gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        name,
		MaxRequests: 1,
		Timeout:     o.BreakerCoolDown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
		IsSuccessful: func(err error) bool {
			return err == nil || !breakerFailure(connectors.CodeOf(err))
		},
		IsExcluded: func(err error) bool { return errors.Is(err, errExcluded) },
		// Called with the breaker's lock held: no calls back into it.
		OnStateChange: func(_ string, from, to gobreaker.State) {
			m.breaker.WithLabelValues(name).Set(float64(stateValue(to)))
			log.Warn("circuit breaker state changed", "from", from.String(), "to", to.String())
		},
	})
}

func stateValue(s gobreaker.State) int {
	switch s {
	case gobreaker.StateHalfOpen:
		return breakerHalfOpen
	case gobreaker.StateOpen:
		return breakerOpen
	}
	return breakerClosed
}

// Breaker states, as BreakerState reports them.
const (
	BreakerClosed   = "closed"
	BreakerHalfOpen = "half-open"
	BreakerOpen     = "open"
)

// BreakerState is the state of the source's circuit breaker: BreakerClosed
// (calls go through), BreakerOpen (calls fail fast with CIRCUIT_OPEN) or
// BreakerHalfOpen (one probe call goes through after the cool-down). It
// never calls the system.
func (s *Source) BreakerState() string {
	switch s.breaker.State() {
	case gobreaker.StateHalfOpen:
		return BreakerHalfOpen
	case gobreaker.StateOpen:
		return BreakerOpen
	}
	return BreakerClosed
}

// call runs one guarded upstream call: through the breaker, retried with
// exponential backoff and full jitter while the failure is retryable, the
// capability is a read, attempts remain and time is left. Each attempt is
// an invoke: a slot of the in-flight cap.
//
// Timeout bounds the whole call, attempts, waits for a slot and backoffs
// included (and the caller's deadline, when sooner): a retry spends what
// is left of it, never more. A system that hangs costs one Timeout, not
// one per attempt, and that timeout counts against its breaker like any
// other failure of the system, even when the caller leaves during a later
// attempt.
func (s *Source) call(ctx context.Context, c connectors.Capability, nkeys int, fn func(context.Context) error) error {
	if err := ctx.Err(); err != nil {
		return s.classify(c, err)
	}
	caller := ctx
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	done, err := s.breaker.Allow()
	if err != nil {
		s.metrics.errors.WithLabelValues(s.name, string(c), string(connectors.CodeCircuitOpen)).Inc()
		ce := &connectors.Error{Code: connectors.CodeCircuitOpen, Connector: s.name, Capability: c,
			Err: errors.New("circuit breaker open after repeated failures")}
		sctx, span := s.startCall(ctx, c, nkeys, 1)
		s.endCall(sctx, span, c, nkeys, 1, time.Now(), ce)
		return ce
	}
	attempts := 1
	if retryable[c] {
		attempts += s.opts.Retries
	}
	var (
		ce     *connectors.Error
		noSlot bool
		// own is the last failure of an attempt that reached the system
		// and ended on its own, not because the caller left.
		own *connectors.Error
	)
	for attempt := range attempts {
		if attempt > 0 {
			s.metrics.retries.WithLabelValues(s.name, string(c)).Inc()
		}
		ce, noSlot = nil, false
		if err := s.invoke(ctx, c, nkeys, attempt+1, fn); err != nil {
			ce = connectors.Classify(err)
			noSlot = errors.Is(err, errNoSlot)
			if !noSlot && !errors.Is(caller.Err(), context.Canceled) {
				own = ce
			}
		}
		if ce == nil || noSlot || attempt == attempts-1 || !retryableCode(ce.Code) || ctx.Err() != nil {
			break
		}
		wait, ok := s.backoff(attempt, ce.RetryAfter)
		if !ok {
			break
		}
		if deadline, has := ctx.Deadline(); has && time.Until(deadline) <= wait {
			break // the retry could not finish in time
		}
		if !sleep(ctx, wait) {
			break
		}
	}
	switch {
	case ce == nil:
		done(nil)
		s.recordOutcome(c, nil)
		return nil
	case !noSlot && !errors.Is(caller.Err(), context.Canceled):
		done(ce)
		s.recordOutcome(c, ce)
	case own != nil:
		// The caller gave up, or the last attempt found no slot, after an
		// attempt the system failed by itself (a timeout, say): that
		// failure counts.
		done(own)
		s.recordOutcome(c, own)
	default:
		// The caller gave up, or the call never reached the system.
		done(errExcluded)
	}
	return ce
}

// backoff returns the wait before retry number attempt+1: the system's
// Retry-After when it gave one, else a random duration up to
// BackoffBase·2^attempt capped at BackoffMax (full jitter). ok is false
// when the system asks for a wait longer than Timeout: the caller is
// better served by the error (or a last good value) now.
func (s *Source) backoff(attempt int, retryAfter time.Duration) (time.Duration, bool) {
	if retryAfter > 0 {
		return retryAfter, retryAfter <= s.opts.Timeout
	}
	ceiling := s.opts.BackoffBase << min(attempt, 20)
	if ceiling <= 0 || ceiling > s.opts.BackoffMax {
		ceiling = s.opts.BackoffMax
	}
	return rand.N(ceiling + 1), true //nolint:gosec // G404: jitter, not security
}

// sleep waits d or until ctx ends; it reports whether d elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

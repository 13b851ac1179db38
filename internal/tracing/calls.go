package tracing

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Call is one upstream call of an operation, as extensions.trace lists
// it: never the keys, only how many.
type Call struct {
	Connector  string
	Capability string
	// Keys is how many keys the call asked for.
	Keys int
	// Attempt counts from 1; a retry is a new call.
	Attempt int
	// Start is when the call started; Duration how long it took.
	Start    time.Time
	Duration time.Duration
	// Outcome is "ok", "cache_hit" or the failure's code (TIMEOUT,
	// UNAVAILABLE, CIRCUIT_OPEN, ...).
	Outcome string
}

// Recorder collects the upstream calls of one operation. It is safe for
// concurrent use; a nil Recorder records nothing.
type Recorder struct {
	start time.Time
	mu    sync.Mutex
	calls []Call
}

type recorderKey struct{}

// WithRecorder returns ctx carrying a new recorder whose offsets count
// from start.
func WithRecorder(ctx context.Context, start time.Time) (context.Context, *Recorder) {
	r := &Recorder{start: start}
	return context.WithValue(ctx, recorderKey{}, r), r
}

// RecorderFrom returns ctx's recorder, nil when the operation did not ask
// for a trace.
func RecorderFrom(ctx context.Context) *Recorder {
	r, _ := ctx.Value(recorderKey{}).(*Recorder)
	return r
}

// Add records c.
func (r *Recorder) Add(c Call) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.calls = append(r.calls, c)
	r.mu.Unlock()
}

// Extension is the calls as extensions.trace shows them, in the order they
// started: connector, capability, keys (a count), attempt, startOffsetMs
// (from the operation's start), durationMs and outcome.
func (r *Recorder) Extension() map[string]any {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	calls := append([]Call(nil), r.calls...)
	r.mu.Unlock()
	// Insertion order is completion order; list by start.
	slices.SortStableFunc(calls, func(a, b Call) int { return a.Start.Compare(b.Start) })
	list := make([]map[string]any, len(calls))
	for i, c := range calls {
		list[i] = map[string]any{
			"connector":     c.Connector,
			"capability":    c.Capability,
			"keys":          c.Keys,
			"attempt":       c.Attempt,
			"startOffsetMs": ms(c.Start.Sub(r.start)),
			"durationMs":    ms(c.Duration),
			"outcome":       c.Outcome,
		}
	}
	return map[string]any{"calls": list, "durationMs": ms(time.Since(r.start))}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

package overload

import (
	"context"
	"errors"
	"sync"
	"time"
)

// ErrShed is the error of work refused because a bounded resource was
// full. Test for it with errors.Is.
var ErrShed = errors.New("overloaded: retry later")

// Mark records whether a request was shed, and when to retry.
type Mark struct {
	mu         sync.Mutex
	shed       bool
	retryAfter time.Duration
}

type markKey struct{}

// With returns ctx carrying a fresh mark, and the mark.
func With(ctx context.Context) (context.Context, *Mark) {
	m := &Mark{}
	return context.WithValue(ctx, markKey{}, m), m
}

// Shed marks the request ctx belongs to as shed, to be retried after
// retryAfter (the longest asked wins), and returns ErrShed. Without a mark
// in ctx it only returns ErrShed.
func Shed(ctx context.Context, retryAfter time.Duration) error {
	if m, ok := ctx.Value(markKey{}).(*Mark); ok {
		m.mu.Lock()
		m.shed = true
		m.retryAfter = max(m.retryAfter, retryAfter)
		m.mu.Unlock()
	}
	return ErrShed
}

// Shed reports whether the request was shed, and when to retry.
func (m *Mark) Shed() (bool, time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.shed, m.retryAfter
}

package automation

import (
	"context"
	"errors"
	"time"
)

// MarkLag is how far behind now an engine keeps the catch-up mark: an
// event stored less than this before the mark moved may not have been
// heard yet (it is on its way through the bus), so it is heard again at
// the next start, which is harmless (a run is once per trigger).
const MarkLag = time.Minute

// catchUpPage bounds the stored events one read of the catch-up takes.
const catchUpPage = 500

// CatchUp hears the events stored since the mark (while no engine ran, or
// while one was stopping), as if they came through the bus, and moves the
// mark to now less MarkLag. It reports how many events it heard. On a
// store where no engine ever ran it only sets the mark: the history before
// journeys existed triggers nothing.
func (e *Engine) CatchUp(ctx context.Context) (int, error) {
	now := e.now()
	mark, err := e.o.Store.JourneyMark(ctx)
	if err != nil {
		return 0, err
	}
	if mark.IsZero() {
		return 0, e.o.Store.SetJourneyMark(ctx, now.Add(-MarkLag))
	}
	heard := 0
	seen := map[string]bool{}
	var errs []error
	for since := mark; ; {
		acts, err := e.o.Store.ActivitiesReceivedSince(ctx, since, catchUpPage)
		if err != nil {
			return heard, err
		}
		fresh := 0
		for _, a := range acts {
			if seen[a.ID] {
				continue
			}
			seen[a.ID], since = true, a.ReceivedAt
			fresh++
			if a.CustomerID == "" {
				continue
			}
			heard++
			errs = append(errs, e.HandleEvent(ctx, PublishedEvent(a)))
		}
		if fresh == 0 || len(acts) < catchUpPage {
			break
		}
	}
	if err := errors.Join(errs...); err != nil {
		// The mark stays: the next start hears these events again.
		return heard, err
	}
	return heard, e.o.Store.SetJourneyMark(ctx, now.Add(-MarkLag))
}

// keepMark moves the mark to now less MarkLag, at most once per MarkLag:
// the events before it were heard through the bus.
func (e *Engine) keepMark(ctx context.Context) error {
	now := e.now()
	e.mu.Lock()
	due := now.Sub(e.markedAt) >= MarkLag
	if due {
		e.markedAt = now
	}
	e.mu.Unlock()
	if !due {
		return nil
	}
	return e.o.Store.SetJourneyMark(ctx, now.Add(-MarkLag))
}

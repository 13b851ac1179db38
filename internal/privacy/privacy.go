// Package privacy runs privacy requests: erasure and export of one
// customer's data across the profile store and every channel system.
//
// A request records one status per system. Systems holding no native key of
// the customer are NOT_APPLICABLE; systems holding keys but whose connector
// lacks the capability are MANUAL. The others are asked once when the
// request is made; a failing system is FAILED with its error code and a
// retry time, and the background worker (Run) asks again with exponential
// backoff until it succeeds or MaxAttempts is reached, after which it stays
// FAILED and is logged for a person. Requests live in the profile store, so
// retries survive a restart; a lock per request keeps replicas from
// processing one twice. Logs carry request IDs, system names and codes,
// never customer data.
package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

// Defaults of config.Privacy.
const (
	DefaultMaxAttempts  = 8
	DefaultRetryBase    = 30 * time.Second
	DefaultRetryMax     = time.Hour
	DefaultPollInterval = 5 * time.Second
)

// attemptTimeout bounds one pass over a request's systems.
const attemptTimeout = 30 * time.Second

// ErrNoCustomer is returned for a customer ID that names nobody.
var ErrNoCustomer = store.ErrNoCustomer

// Service makes and runs privacy requests.
type Service struct {
	Store   *store.Store
	Sources *sources.Set
	Config  config.Privacy
	Log     *slog.Logger
	// Now is the clock, time.Now when nil.
	Now func() time.Time

	mu    sync.RWMutex
	tuned *config.Privacy // SetConfig's, over Config
}

// SetConfig replaces the tuning while the service runs (the next retry
// and poll use it).
func (s *Service) SetConfig(c config.Privacy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tuned = &c
}

func (s *Service) cfg() config.Privacy {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.tuned != nil {
		return *s.tuned
	}
	return s.Config
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (s *Service) maxAttempts() int {
	if n := s.cfg().MaxAttempts; n > 0 {
		return n
	}
	return DefaultMaxAttempts
}

// backoff is the wait after the given number of failed attempts.
func (s *Service) backoff(attempts int) time.Duration {
	c := s.cfg()
	base, ceil := c.RetryBase, c.RetryMax
	if base <= 0 {
		base = DefaultRetryBase
	}
	if ceil <= 0 {
		ceil = DefaultRetryMax
	}
	d := base
	for i := 1; i < attempts && d < ceil; i++ {
		d *= 2
	}
	return min(d, ceil)
}

func capabilityOf(kind string) connectors.Capability {
	if kind == store.PrivacyExport {
		return connectors.CapExport
	}
	return connectors.CapErase
}

// Request makes a request of kind (store.PrivacyErasure or
// store.PrivacyExport) for a customer, processes it once and returns it.
func (s *Service) Request(ctx context.Context, kind, customerID, actor string) (*store.PrivacyRequest, error) {
	found, err := s.Store.Resolve(ctx, []string{customerID})
	if err != nil {
		return nil, err
	}
	if found[0] == nil {
		return nil, ErrNoCustomer
	}
	c := found[0]
	idents, err := s.Store.IdentitiesOf(ctx, []string{c.ID})
	if err != nil {
		return nil, err
	}
	keys := map[string][]string{}
	for _, id := range idents[0] {
		if id.Kind == store.KindExternalID {
			keys[id.System] = append(keys[id.System], id.Value)
		}
	}
	now := s.now()
	// Due at once: should the first pass below never run (a crash), the
	// worker picks the request up.
	due := now.Truncate(time.Millisecond)
	r := store.PrivacyRequest{ID: store.NewPrivacyRequestID(), Kind: kind, CustomerID: c.ID, Status: store.PrivacyPending,
		RequestedAt: due, RequestedBy: actor, NextAt: &due}
	r.Systems = append(r.Systems, store.PrivacySystem{System: store.PrivacySystemStore, Status: store.PrivacyPending})
	capability := capabilityOf(kind)
	for _, src := range s.Sources.All() {
		sys := store.PrivacySystem{System: src.Name(), Keys: keys[src.Name()]}
		switch {
		case len(sys.Keys) == 0:
			sys.Status = store.PrivacyNotApplicable
		case !src.Has(capability):
			sys.Status = store.PrivacyManual
		default:
			sys.Status = store.PrivacyPending
		}
		r.Systems = append(r.Systems, sys)
	}
	if err := s.Store.AddPrivacyRequest(ctx, r); err != nil {
		return nil, err
	}
	s.log().Info("privacy request made", "request", r.ID, "kind", kind, "systems", len(r.Systems))
	done, err := s.Process(ctx, r.ID)
	if errors.Is(err, store.ErrBusy) {
		// The worker got there first: answer where it stands.
		return s.Store.GetPrivacyRequest(ctx, r.ID)
	}
	return done, err
}

// Process asks every system of the request that is pending, or failed
// with a retry due, once, saves and returns the request.
func (s *Service) Process(ctx context.Context, id string) (*store.PrivacyRequest, error) {
	release, err := s.Store.LockPrivacyRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	defer release()
	r, err := s.Store.GetPrivacyRequest(ctx, id)
	if err != nil || r == nil {
		return r, err
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), attemptTimeout)
	defer cancel()
	now := s.now()
	for i := range r.Systems {
		sys := &r.Systems[i]
		due := sys.Status == store.PrivacyPending ||
			(sys.Status == store.PrivacyFailed && sys.NextAt != nil && !sys.NextAt.After(now))
		if !due {
			continue
		}
		s.attempt(actx, r, sys)
	}
	s.settle(r)
	if err := s.Store.SavePrivacyRequest(context.WithoutCancel(ctx), *r); err != nil {
		return nil, err
	}
	return r, nil
}

// attempt asks one system once and records the outcome.
func (s *Service) attempt(ctx context.Context, r *store.PrivacyRequest, sys *store.PrivacySystem) {
	sys.Attempts++
	data, err := s.call(ctx, r, sys)
	now := s.now().Truncate(time.Millisecond)
	if err == nil {
		sys.Status, sys.NextAt, sys.DoneAt, sys.LastErrorCode = store.PrivacyDone, nil, &now, ""
		sys.Data = data
		return
	}
	sys.Status = store.PrivacyFailed
	sys.LastErrorCode = code(err)
	if sys.Attempts < s.maxAttempts() {
		next := now.Add(s.backoff(sys.Attempts))
		sys.NextAt = &next
		s.log().Warn("privacy request failed in a system; retry scheduled", "request", r.ID, "kind", r.Kind, "system", sys.System,
			"attempts", sys.Attempts, "code", sys.LastErrorCode, "retry_at", next)
		return
	}
	sys.NextAt = nil
	s.log().Error("privacy request failed in a system after the last attempt; handle it by hand", "request", r.ID, "kind", r.Kind,
		"system", sys.System, "attempts", sys.Attempts, "code", sys.LastErrorCode)
}

// call runs the request in one system and returns an export's document.
func (s *Service) call(ctx context.Context, r *store.PrivacyRequest, sys *store.PrivacySystem) (string, error) {
	if sys.System == store.PrivacySystemStore {
		if r.Kind == store.PrivacyExport {
			exp, err := s.Store.ExportCustomer(ctx, r.CustomerID)
			if err != nil {
				return "", err
			}
			raw, err := json.Marshal(exp)
			return string(raw), err
		}
		_, err := s.Store.EraseCustomer(ctx, r.CustomerID, s.now())
		return "", err
	}
	src, ok := s.Sources.Get(sys.System)
	if !ok {
		return "", fmt.Errorf("system %s is no longer configured: %w", sys.System, errGone)
	}
	if r.Kind == store.PrivacyExport {
		docs, err := src.Export(ctx, sys.Keys)
		if err != nil {
			return "", err
		}
		list := make([]json.RawMessage, 0, len(docs))
		for _, d := range docs {
			if d != nil {
				list = append(list, d)
			}
		}
		raw, err := json.Marshal(list)
		return string(raw), err
	}
	_, err := src.Erase(ctx, sys.Keys)
	return "", err
}

var errGone = errors.New("system not configured")

// code is the failure code recorded for err.
func code(err error) string {
	var ce *connectors.Error
	switch {
	case errors.Is(err, errGone):
		return "SYSTEM_NOT_CONFIGURED"
	case errors.Is(err, store.ErrBusy):
		return "CONFLICTING_CHANGE"
	case errors.As(err, &ce):
		return string(ce.Code)
	case errors.Is(err, context.DeadlineExceeded):
		return string(connectors.CodeTimeout)
	}
	return "PROFILE_STORE_UNAVAILABLE"
}

// settle computes the request's status and its next retry time.
func (s *Service) settle(r *store.PrivacyRequest) {
	status := store.PrivacyDone
	var next *time.Time
	for _, sys := range r.Systems {
		switch sys.Status {
		case store.PrivacyPending:
			status = store.PrivacyPending
		case store.PrivacyFailed:
			if sys.NextAt != nil {
				status = store.PrivacyPending
				if next == nil || sys.NextAt.Before(*next) {
					t := *sys.NextAt
					next = &t
				}
			} else if status == store.PrivacyDone {
				status = store.PrivacyFailed
			}
		}
	}
	// A pending system with no retry time (never attempted) is due now.
	for _, sys := range r.Systems {
		if sys.Status == store.PrivacyPending {
			t := s.now()
			next = &t
		}
	}
	r.Status, r.NextAt = status, next
	if status == store.PrivacyDone && r.CompletedAt == nil {
		t := s.now().Truncate(time.Millisecond)
		r.CompletedAt = &t
		s.log().Info("privacy request done", "request", r.ID, "kind", r.Kind)
	}
}

// Run processes due retries until ctx ends.
func (s *Service) Run(ctx context.Context) {
	for {
		every := s.cfg().PollInterval
		if every <= 0 {
			every = DefaultPollInterval
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s.RunDue(ctx)
	}
}

// RunDue processes every request with a retry due now, once.
func (s *Service) RunDue(ctx context.Context) {
	ids, err := s.Store.DuePrivacyRequests(ctx, s.now(), 50)
	if err != nil {
		if ctx.Err() == nil {
			s.log().Warn("privacy worker cannot read due requests", "error", err.Error())
		}
		return
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			return
		}
		if _, err := s.Process(ctx, id); err != nil && !errors.Is(err, store.ErrBusy) && ctx.Err() == nil {
			s.log().Warn("privacy worker failed to process a request", "request", id, "error", err.Error())
		}
	}
}

// Result assembles a finished export's document: the profile store's part
// under "harmony" and each system's records under its name. "" while the
// request is not done, or for an erasure.
func Result(r *store.PrivacyRequest) string {
	if r.Kind != store.PrivacyExport || r.Status != store.PrivacyDone {
		return ""
	}
	doc := map[string]json.RawMessage{}
	for _, sys := range r.Systems {
		if sys.Status == store.PrivacyDone && sys.Data != "" {
			doc[sys.System] = json.RawMessage(sys.Data)
		}
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		return ""
	}
	return string(raw)
}

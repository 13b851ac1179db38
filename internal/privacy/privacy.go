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
//
// An erasure is whole (see Request): the person's identifiers and native
// keys go to the suppression list first, so that no sync, lookup, webhook
// or link brings them back; the webhook events that name them go; the
// read caches and last good values of their keys are purged on every
// replica; each system's keys are forgotten once it is done. While a
// system must be handled by hand the request is PARTIAL: the worker checks
// every ManualCheck whether the system still holds the records (when its
// connector can read them), and a person may confirm it (Confirm); only
// then is the request DONE.
package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/suppress"
)

// Defaults of config.Privacy.
const (
	DefaultMaxAttempts  = 8
	DefaultRetryBase    = 30 * time.Second
	DefaultRetryMax     = time.Hour
	DefaultPollInterval = 5 * time.Second
	DefaultManualCheck  = 15 * time.Minute
)

// attemptTimeout bounds one pass over a request's systems.
const attemptTimeout = 30 * time.Second

// ErrNoCustomer is returned for a customer ID that names nobody.
var ErrNoCustomer = store.ErrNoCustomer

// Errors of Confirm.
var (
	// ErrNoRequest: no erasure has that ID.
	ErrNoRequest = errors.New("no erasure request has that ID")
	// ErrNotManual: the system is not waiting for a person in the request.
	ErrNotManual = errors.New("the system does not wait for an erasure by hand in this request")
	// ErrStillHeld: the system still answers records of the keys.
	ErrStillHeld = errors.New("the system still holds records of the customer")
)

// Service makes and runs privacy requests.
type Service struct {
	Store   *store.Store
	Sources *sources.Set
	Config  config.Privacy
	Log     *slog.Logger
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	// Suppression is the suppression list an erasure adds the person to;
	// none when nil.
	Suppression *suppress.List
	// Purge drops the cached reads and last good values of native keys,
	// by system, on every replica; nothing when nil.
	Purge func(ctx context.Context, keys map[string][]string) error
	// Suppressed tells the other replicas that the suppression list grew;
	// nothing when nil.
	Suppressed func(ctx context.Context) error

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

func (s *Service) manualCheck() time.Duration {
	if d := s.cfg().ManualCheckInterval; d > 0 {
		return d
	}
	return DefaultManualCheck
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
	id := store.NewPrivacyRequestID()
	if kind == store.PrivacyErasure {
		if err := s.suppress(ctx, id, idents[0], keys, now); err != nil {
			return nil, err
		}
	}
	// Due at once: should the first pass below never run (a crash), the
	// worker picks the request up.
	due := now.Truncate(time.Millisecond)
	r := store.PrivacyRequest{ID: id, Kind: kind, CustomerID: c.ID, Status: store.PrivacyPending,
		RequestedAt: due, RequestedBy: actor, NextAt: &due}
	r.Systems = append(r.Systems, store.PrivacySystem{System: store.PrivacySystemStore, Status: store.PrivacyPending})
	capability := capabilityOf(kind)
	for _, src := range s.Sources.All() {
		sys := store.PrivacySystem{System: src.Name(), Keys: keys[src.Name()], KeyCount: len(keys[src.Name()])}
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
		if sys.Status == store.PrivacyManual && r.Kind == store.PrivacyErasure && (sys.NextAt == nil || !sys.NextAt.After(now)) {
			s.checkManual(actx, r, sys)
			continue
		}
		due := sys.Status == store.PrivacyPending ||
			(sys.Status == store.PrivacyFailed && sys.NextAt != nil && !sys.NextAt.After(now))
		if !due {
			continue
		}
		s.attempt(actx, r, sys)
	}
	s.forget(actx, r)
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

// settle computes the request's status and its next retry (or check)
// time: PENDING while a system is pending or waits for a retry, else
// FAILED when one failed for good, else PARTIAL while one must be handled
// by hand, else DONE.
func (s *Service) settle(r *store.PrivacyRequest) {
	rank := map[string]int{store.PrivacyDone: 0, store.PrivacyPartial: 1, store.PrivacyFailed: 2, store.PrivacyPending: 3}
	status := store.PrivacyDone
	raise := func(to string) {
		if rank[to] > rank[status] {
			status = to
		}
	}
	var next *time.Time
	soonest := func(t *time.Time) {
		if t != nil && (next == nil || t.Before(*next)) {
			v := *t
			next = &v
		}
	}
	for _, sys := range r.Systems {
		switch sys.Status {
		case store.PrivacyPending:
			raise(store.PrivacyPending)
		case store.PrivacyFailed:
			if sys.NextAt != nil {
				raise(store.PrivacyPending)
				soonest(sys.NextAt)
			} else {
				raise(store.PrivacyFailed)
			}
		case store.PrivacyManual:
			raise(store.PrivacyPartial)
			soonest(sys.NextAt) // the next check, when the gateway can check
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
	if status == store.PrivacyPartial && r.Kind == store.PrivacyErasure {
		s.log().Info("privacy request waits for systems to be erased by hand", "request", r.ID)
	}
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
// request is not done (or partial: systems to export by hand are not in
// it), or for an erasure.
func Result(r *store.PrivacyRequest) string {
	if r.Kind != store.PrivacyExport || (r.Status != store.PrivacyDone && r.Status != store.PrivacyPartial) {
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

// suppress adds the person to the suppression list before anything is
// erased, so that no identity sync, lookup, webhook or link made meanwhile
// brings them back, tells the other replicas, and deletes the webhook
// events that name their keys or identifiers (events stored before they
// were known, under no customer, or resolved to anyone). It needs the
// identifiers' values, which the profile store's erasure deletes: it runs
// once, before the request is recorded; a failure fails the request.
func (s *Service) suppress(ctx context.Context, requestID string, idents []store.Identity, keys map[string][]string, now time.Time) error {
	if s.Suppression != nil {
		if err := s.Suppression.Add(ctx, s.Suppression.Entries(idents, requestID, now.Truncate(time.Millisecond))); err != nil {
			return err
		}
		if s.Suppressed != nil {
			if err := s.Suppressed(ctx); err != nil {
				// This replica's list has them; the others reload theirs
				// at their next sync.
				s.log().Warn("suppression list: other replicas not told", "request", requestID, "error", err.Error())
			}
		}
	}
	var named []store.Identifier
	for _, x := range idents {
		if x.Kind == store.KindExternalID || x.Status != store.StatusMatch {
			continue
		}
		v := x.Value
		if x.Kind == store.KindSocial && x.System != "" {
			v = x.System + ":" + x.Value
		}
		named = append(named, store.Identifier{Kind: x.Kind, Value: v})
		switch x.Kind {
		case store.KindPhone:
			named = append(named, store.Identifier{Kind: store.KindWhatsApp, Value: v})
		case store.KindWhatsApp:
			named = append(named, store.Identifier{Kind: store.KindPhone, Value: v})
		}
	}
	n, err := s.Store.EraseEventsNaming(ctx, keys, named)
	if err != nil {
		return err
	}
	if n > 0 {
		s.log().Info("privacy request: webhook events naming the customer erased", "request", requestID, "events", n)
	}
	// The identity sync's snapshot of the systems' records holds their
	// records too: those with their keys and those carrying their
	// identifiers (a phone as a WhatsApp ID as well).
	var ids []string
	for _, x := range idents {
		if x.Kind == store.KindExternalID {
			continue
		}
		ids = append(ids, store.IdentityID(x.Kind, x.System, x.Value))
		switch x.Kind {
		case store.KindPhone:
			ids = append(ids, store.IdentityID(store.KindWhatsApp, x.System, x.Value))
		case store.KindWhatsApp:
			ids = append(ids, store.IdentityID(store.KindPhone, x.System, x.Value))
		}
	}
	if n, err = s.Store.EraseSourceRecords(ctx, keys, ids); err != nil {
		return err
	}
	if n > 0 {
		s.log().Info("privacy request: the identity sync's records of the customer erased", "request", requestID, "records", n)
	}
	return nil
}

// purge drops the cached reads and last good values of keys on every
// replica. A failure is logged: the caches' entries still expire, and
// nothing links the keys any more.
func (s *Service) purge(ctx context.Context, requestID string, keys map[string][]string) {
	if s.Purge == nil || len(keys) == 0 {
		return
	}
	if err := s.Purge(ctx, keys); err != nil {
		s.log().Warn("privacy request: caches not purged everywhere; their entries expire with their ttl", "request", requestID, "error", err.Error())
	}
}

// forget purges, once the profile store's part of an erasure is done (no
// link leads to the keys any more), the cached reads and last good values
// of every key the request still holds, on every replica; then drops from
// the request the keys of the systems that are done with them (erased, or
// holding nothing): a key may be derived from personal data (a system's
// hash of an e-mail address), and the request must not keep it. It runs
// at every pass, so that what a read cached meanwhile goes too.
func (s *Service) forget(ctx context.Context, r *store.PrivacyRequest) {
	if r.Kind != store.PrivacyErasure {
		return
	}
	i := slices.IndexFunc(r.Systems, func(x store.PrivacySystem) bool { return x.System == store.PrivacySystemStore })
	if i < 0 || r.Systems[i].Status != store.PrivacyDone {
		return
	}
	held := map[string][]string{}
	for i := range r.Systems {
		if sys := &r.Systems[i]; len(sys.Keys) > 0 {
			held[sys.System] = sys.Keys
		}
	}
	s.purge(ctx, r.ID, held)
	for i := range r.Systems {
		sys := &r.Systems[i]
		if len(sys.Keys) > 0 && (sys.Status == store.PrivacyDone || sys.Status == store.PrivacyNotApplicable) {
			if sys.KeyCount == 0 {
				sys.KeyCount = len(sys.Keys)
			}
			sys.Keys = nil
		}
	}
}

// checkManual asks a system to be erased by hand whether it still holds
// the keys (when its connector can read them), reading the system itself,
// never a cached value: when it holds none, it is done. Otherwise the next
// check is due after ManualCheck.
func (s *Service) checkManual(ctx context.Context, r *store.PrivacyRequest, sys *store.PrivacySystem) {
	next := s.now().Add(s.manualCheck()).Truncate(time.Millisecond)
	held, err := s.holds(ctx, sys)
	switch {
	case errors.Is(err, errCannotCheck):
		sys.NextAt = nil // only a person can say
		return
	case err != nil:
		sys.NextAt = &next
		s.log().Warn("privacy request: could not check a system to erase by hand", "request", r.ID, "system", sys.System, "code", code(err))
		return
	case held:
		sys.NextAt = &next
		return
	}
	now := s.now().Truncate(time.Millisecond)
	sys.Status, sys.NextAt, sys.DoneAt, sys.LastErrorCode = store.PrivacyDone, nil, &now, ""
	s.log().Info("privacy request: a system to erase by hand holds the customer no more", "request", r.ID, "system", sys.System)
}

var errCannotCheck = errors.New("the connector cannot read profiles")

// holds reports whether the system still answers a record of any of the
// system's keys in the request, asked afresh.
func (s *Service) holds(ctx context.Context, sys *store.PrivacySystem) (bool, error) {
	src, ok := s.Sources.Get(sys.System)
	if !ok {
		return false, fmt.Errorf("system %s is no longer configured: %w", sys.System, errGone)
	}
	if !src.Has(connectors.CapProfiles) {
		return false, errCannotCheck
	}
	if len(sys.Keys) == 0 {
		return false, nil
	}
	recs, err := src.Profiles(sources.Fresh(ctx), sys.Keys)
	if err != nil {
		return false, err
	}
	for _, rec := range recs {
		if rec != nil {
			return true, nil
		}
	}
	return false, nil
}

// Confirm records that a system of an erasure was erased by hand, as actor
// says: when its connector can read profiles the gateway checks first
// (ErrStillHeld while it still answers records). The request is then
// saved, DONE when nothing else waits.
func (s *Service) Confirm(ctx context.Context, requestID, system, actor string) (*store.PrivacyRequest, error) {
	release, err := s.Store.LockPrivacyRequest(ctx, requestID)
	if err != nil {
		return nil, err
	}
	defer release()
	r, err := s.Store.GetPrivacyRequest(ctx, requestID)
	if err != nil {
		return nil, err
	}
	if r == nil || r.Kind != store.PrivacyErasure {
		return nil, ErrNoRequest
	}
	i := slices.IndexFunc(r.Systems, func(x store.PrivacySystem) bool { return x.System == system })
	if i < 0 || r.Systems[i].Status != store.PrivacyManual {
		return nil, ErrNotManual
	}
	sys := &r.Systems[i]
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), attemptTimeout)
	defer cancel()
	held, err := s.holds(cctx, sys)
	switch {
	case errors.Is(err, errCannotCheck):
	case err != nil:
		return nil, err
	case held:
		return nil, ErrStillHeld
	}
	now := s.now().Truncate(time.Millisecond)
	sys.Status, sys.NextAt, sys.DoneAt, sys.ConfirmedBy = store.PrivacyDone, nil, &now, actor
	s.log().Info("privacy request: a system erased by hand was confirmed", "request", r.ID, "system", system)
	s.forget(cctx, r)
	s.settle(r)
	if err := s.Store.SavePrivacyRequest(context.WithoutCancel(ctx), *r); err != nil {
		return nil, err
	}
	return r, nil
}

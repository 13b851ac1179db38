package resolvers

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/audit"
	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/privacy"
	"github.com/harmonyhq/harmony/internal/store"
)

// AuditLog returns the log audit entries go to, for the server's audit
// extension; nil writes none.
func (r *Resolver) AuditLog() *audit.Log { return r.Audit }

// toConsent maps a stored consent record.
func toConsent(c store.Consent) model.Consent {
	out := model.Consent{ID: c.ID, Purpose: model.Purpose(strings.ToUpper(c.Purpose)), Source: c.Source,
		RecordedAt: c.RecordedAt.UTC(), Actor: c.Actor, Status: model.ConsentStatusWithdrawn}
	if c.Granted {
		out.Status = model.ConsentStatusGranted
	}
	if c.Channel != "" {
		ch := model.Channel(strings.ToUpper(c.Channel))
		out.Channel = &ch
	}
	return out
}

// consentChannel is a schema channel as stored, "" for nil (every channel).
func consentChannel(ch *model.Channel) string {
	if ch == nil {
		return ""
	}
	return strings.ToLower(string(*ch))
}

// standing keeps the newest record of each purpose and channel of records
// ordered newest first, without erasure tombstones.
func standing(records []store.Consent, history bool) []model.Consent {
	out := []model.Consent{}
	seen := map[[2]string]bool{}
	for _, c := range records {
		if c.Erased {
			continue
		}
		k := [2]string{c.Purpose, c.Channel}
		if !history && seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, toConsent(c))
	}
	return out
}

// maxConsentSource bounds recordConsent's source.
const maxConsentSource = 80

// recordConsent checks and records one consent record.
func (r *Resolver) recordConsent(ctx context.Context, in model.RecordConsentInput) (*model.Consent, error) {
	src := strings.TrimSpace(in.Source)
	if src == "" || utf8.RuneCountInString(src) > maxConsentSource {
		return nil, apperr.Input("source must be 1 to %d characters", maxConsentSource)
	}
	if !in.Purpose.IsValid() || !in.Status.IsValid() || (in.Channel != nil && !in.Channel.IsValid()) {
		return nil, apperr.Input("purpose, status or channel is not valid")
	}
	now := r.now()
	at := now
	if in.RecordedAt != nil {
		at = in.RecordedAt.UTC()
		if at.After(now.Add(time.Minute)) {
			return nil, apperr.Input("recordedAt must not be in the future")
		}
	}
	c, err := loaders.From(ctx).Customer(ctx, in.CustomerID)()
	if err != nil {
		return nil, apperr.Store(err)
	}
	if c == nil {
		return nil, apperr.Coded(apperr.CodeNotFound, "no customer has that ID")
	}
	if c.ErasedAt != nil {
		return nil, apperr.Coded(apperr.CodeErased, "the customer's data was erased")
	}
	audit.NoteCustomer(ctx, c.ID)
	rec, err := r.Store.AddConsent(ctx, store.Consent{CustomerID: c.ID, Purpose: strings.ToLower(string(in.Purpose)),
		Channel: consentChannel(in.Channel), Granted: in.Status == model.ConsentStatusGranted, Source: src,
		RecordedAt: at, Actor: caller.Name(ctx)})
	if err != nil {
		return nil, apperr.Store(err)
	}
	loaders.From(ctx).ForgetConsents()
	out := toConsent(rec)
	return &out, nil
}

// requestPrivacy makes a privacy request of kind for a customer.
func (r *Resolver) requestPrivacy(ctx context.Context, kind, customerID string) (*model.PrivacyRequest, error) {
	if r.Privacy == nil {
		return nil, apperr.Coded(apperr.CodeInternal, "privacy requests are not configured")
	}
	req, err := r.Privacy.Request(ctx, kind, customerID, caller.Name(ctx))
	switch {
	case errors.Is(err, privacy.ErrNoCustomer):
		return nil, apperr.Coded(apperr.CodeNotFound, "no customer has that ID")
	case errors.Is(err, store.ErrBusy):
		return nil, apperr.Coded(apperr.CodeBusy, "the customer is being changed by another request; retry")
	case err != nil:
		return nil, apperr.Store(err)
	}
	audit.NoteCustomer(ctx, req.CustomerID)
	loaders.From(ctx).ForgetStore()
	loaders.From(ctx).ForgetConsents()
	return toPrivacyRequest(req), nil
}

// confirmErasure records that a system of an erasure was erased by hand.
func (r *Resolver) confirmErasure(ctx context.Context, requestID, system string) (*model.PrivacyRequest, error) {
	if r.Privacy == nil {
		return nil, apperr.Coded(apperr.CodeInternal, "privacy requests are not configured")
	}
	req, err := r.Privacy.Confirm(ctx, requestID, system, caller.Name(ctx))
	var ce *connectors.Error
	switch {
	case errors.Is(err, privacy.ErrNoRequest):
		return nil, apperr.Coded(apperr.CodeNotFound, "no erasure request has that ID")
	case errors.Is(err, privacy.ErrNotManual):
		return nil, apperr.Input("system does not wait for an erasure by hand in this request")
	case errors.Is(err, privacy.ErrStillHeld):
		return nil, apperr.Coded(apperr.CodeStillHeld, "the system still holds records of the customer: erase them there first")
	case errors.Is(err, store.ErrBusy):
		return nil, apperr.Coded(apperr.CodeBusy, "the request is being processed; retry")
	case errors.As(err, &ce):
		return nil, err
	case err != nil:
		return nil, apperr.Store(err)
	}
	audit.NoteCustomer(ctx, req.CustomerID)
	return toPrivacyRequest(req), nil
}

// toPrivacyRequest maps a stored request.
func toPrivacyRequest(r *store.PrivacyRequest) *model.PrivacyRequest {
	out := &model.PrivacyRequest{ID: r.ID, Kind: model.PrivacyRequestKind(strings.ToUpper(r.Kind)), CustomerID: r.CustomerID,
		Status: model.PrivacyRequestStatus(strings.ToUpper(r.Status)), RequestedAt: r.RequestedAt.UTC(),
		RequestedBy: r.RequestedBy, CompletedAt: r.CompletedAt, Systems: []model.PrivacySystemResult{}}
	for _, s := range r.Systems {
		sys := model.PrivacySystemResult{System: s.System, Status: model.PrivacySystemStatus(strings.ToUpper(s.Status)),
			Keys: max(len(s.Keys), s.KeyCount), Attempts: s.Attempts, NextAttemptAt: s.NextAt, DoneAt: s.DoneAt}
		if s.LastErrorCode != "" {
			c := s.LastErrorCode
			sys.LastErrorCode = &c
		}
		if s.ConfirmedBy != "" {
			by := s.ConfirmedBy
			sys.ConfirmedBy = &by
		}
		out.Systems = append(out.Systems, sys)
	}
	if res := privacy.Result(r); res != "" {
		out.Result = &res
	}
	return out
}

// auditLog pages through the audit log, newest first.
func (r *Resolver) auditLog(ctx context.Context, first *int, after, actor, customerID *string) (*model.AuditEntryConnection, error) {
	n, err := pageSize(first, 20)
	if err != nil {
		return nil, err
	}
	q := store.AuditQuery{Actor: deref(actor), CustomerID: deref(customerID), Limit: n + 1}
	if after != nil && *after != "" {
		if !strings.HasPrefix(*after, "aud_") {
			return nil, apperr.Input("after is not a cursor of this list")
		}
		q.Before = *after
	}
	entries, err := r.Store.AuditLog(ctx, q)
	if err != nil {
		return nil, apperr.Store(err)
	}
	more := len(entries) > n
	if more {
		entries = entries[:n]
	}
	out := &model.AuditEntryConnection{Edges: []model.AuditEntryEdge{}, PageInfo: model.PageInfo{HasNextPage: more}}
	for _, e := range entries {
		node := model.AuditEntry{ID: e.ID, At: e.At.UTC(), Actor: e.Actor, OperationType: e.OperationType,
			Mutations: nonNil(e.Mutations), PiiFields: nonNil(e.PIIFields), CustomerIds: nonNil(e.CustomerIDs)}
		if e.OperationName != "" {
			name := e.OperationName
			node.OperationName = &name
		}
		if e.RequestID != "" {
			id := e.RequestID
			node.RequestID = &id
		}
		out.Edges = append(out.Edges, model.AuditEntryEdge{Cursor: e.ID, Node: node})
	}
	if len(out.Edges) > 0 {
		first, last := out.Edges[0].Cursor, out.Edges[len(out.Edges)-1].Cursor
		out.PageInfo.StartCursor, out.PageInfo.EndCursor = &first, &last
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// emailEvents keeps the marketing e-mail events of interactions.
func emailEvents(all []model.Interaction) []model.Interaction {
	out := []model.Interaction{}
	for _, it := range all {
		switch it.Type {
		case model.InteractionTypeEmailSent, model.InteractionTypeEmailOpened, model.InteractionTypeEmailClicked:
			out = append(out, it)
		}
	}
	return out
}

// needsConsents reports whether a selected field reads consents: the
// consents themselves, or a field gated on consent.
func needsConsents(f graphql.CollectedField) bool {
	return f.Name == "consents" || (f.Definition != nil && f.Definition.Directives.ForName("consent") != nil)
}

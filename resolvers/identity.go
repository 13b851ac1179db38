package resolvers

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

// maxIdentifiers bounds customersByIdentifiers.
const maxIdentifiers = 100

// identifier is an identifier a caller gave, normalised.
type identifier struct {
	kind, system, value string
}

// identifier checks and normalises in. field, when not empty, names it in
// errors, which never repeat the value.
func (r *Resolver) identifier(in model.IdentifierInput, field string) (identifier, error) {
	prefix := ""
	if field != "" {
		prefix = field + ": "
	}
	sk := storeKind(in.Kind)
	system := strings.TrimSpace(deref(in.System))
	switch {
	case in.Kind == model.IdentifierKindExternalID && system == "":
		return identifier{}, apperr.Input("%ssystem is required for kind EXTERNAL_ID", prefix)
	case in.Kind != model.IdentifierKindExternalID && in.System != nil:
		return identifier{}, apperr.Input("%ssystem applies to kind EXTERNAL_ID only", prefix)
	}
	v, err := r.policy().Normalizer.Normalize(sk, in.Value)
	if errors.Is(err, identity.ErrInvalid) {
		return identifier{}, apperr.Input("%svalue is not a valid %s", prefix, strings.ToLower(string(in.Kind)))
	}
	if err != nil {
		return identifier{}, err
	}
	if sk == store.KindSocial {
		// Stored as the linker stores it: the network is the system.
		network, handle, _ := strings.Cut(v, ":")
		return identifier{kind: sk, system: network, value: handle}, nil
	}
	return identifier{kind: sk, system: system, value: v}, nil
}

// id is the identity's document ID.
func (id identifier) id() string { return store.IdentityID(id.kind, id.system, id.value) }

// lookups are the identity IDs that find the identifier's owner: a phone
// number and a WhatsApp ID are the same number in E.164 form.
func (id identifier) lookups() []string {
	out := []string{id.id()}
	switch id.kind {
	case store.KindPhone:
		out = append(out, store.IdentityID(store.KindWhatsApp, "", id.value))
	case store.KindWhatsApp:
		out = append(out, store.IdentityID(store.KindPhone, "", id.value))
	}
	return out
}

// connector is the identifier as connectors search it, false for a native
// key (no system is searched for those).
func (id identifier) connector() (connectors.Identifier, bool) {
	switch id.kind {
	case store.KindExternalID:
		return connectors.Identifier{}, false
	case store.KindSocial:
		return connectors.Identifier{Kind: id.kind, Value: id.system + ":" + id.value}, true
	}
	return connectors.Identifier{Kind: id.kind, Value: id.value}, true
}

// lookUp asks the systems about identifiers nobody owns in the store, in
// one call for all of them, and reports whether it asked: the caller then
// asks the store again. A failing lookup is a partial error of the field;
// what the store knows is still answered. The operation's loaders forget
// what they read, since the store may have changed.
func (r *Resolver) lookUp(ctx context.Context, unknown []identifier) bool {
	if r.Lookup == nil {
		return false
	}
	var ids []connectors.Identifier
	for _, id := range unknown {
		if c, ok := id.connector(); ok && !slices.Contains(ids, c) {
			ids = append(ids, c)
		}
	}
	if len(ids) == 0 {
		return false
	}
	err := r.Lookup(ctx, ids)
	loaders.From(ctx).ForgetStore()
	if err != nil {
		graphql.AddError(ctx, lookupError(err))
	}
	return true
}

// lookupError is a failed lookup as clients see it: a connector's error
// keeps its code and name; anything else is the store's.
func lookupError(err error) error {
	var ce *connectors.Error
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return apperr.Store(err)
}

// ownerOf picks the identifier's owner among found, the owners of its
// lookups, in order. An unlinked identity has no owner.
func ownerOf(found []*store.Identity) string {
	for _, f := range found {
		if f != nil && f.CustomerID != "" {
			return f.CustomerID
		}
	}
	return ""
}

// identityError turns a store refusal into a coded error for clients.
func identityError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNoCustomer):
		return apperr.Coded(apperr.CodeNotFound, "no customer has that ID")
	case errors.Is(err, store.ErrConflict):
		return apperr.Coded(apperr.CodeIdentityConflict, "the identifier belongs to another customer; merge the customers instead")
	case errors.Is(err, store.ErrLimit):
		return apperr.Coded(apperr.CodeIdentityLimit, "the customer would exceed the cap of identities per customer")
	case errors.Is(err, store.ErrNotLinked):
		return apperr.Input("the identifier is not linked to that customer")
	case errors.Is(err, store.ErrNotMerged):
		return apperr.Input("mergedId was not merged into customerId")
	case errors.Is(err, store.ErrInactive):
		return apperr.Input("customerId was itself merged into another customer; split that merge first")
	case errors.Is(err, store.ErrBusy):
		return apperr.Coded(apperr.CodeBusy, "another request is changing these customers; retry")
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	default:
		return apperr.Store(err)
	}
}

// changed ends a mutation: the operation's loaders forget what they read,
// and the search projection of the customers involved is refreshed. A
// failed refresh is not the mutation's failure: the next sync repairs it.
func (r *Resolver) changed(ctx context.Context, ids ...string) {
	loaders.From(ctx).ForgetStore()
	if r.Reindex != nil {
		_ = r.Reindex(ctx, slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == "" }))
	}
}

func toEvent(e *store.Event) *model.IdentityEvent {
	if e == nil {
		return nil
	}
	out := &model.IdentityEvent{
		ID:          e.ID,
		Action:      model.IdentityAction(strings.ToUpper(e.Action)),
		At:          e.At.UTC(),
		Actor:       e.Actor,
		CustomerIds: e.CustomerIDs,
		Identities:  make([]model.IdentityRef, len(e.Identities)),
		Reason:      strPtr(e.Reason),
	}
	for i, ref := range e.Identities {
		out.Identities[i] = model.IdentityRef{Kind: kindOf(ref.Kind), System: strPtr(ref.System), Value: ref.Value}
	}
	return out
}

func kindOf(storeKind string) model.IdentifierKind {
	if k, ok := identifierKinds[storeKind]; ok {
		return k
	}
	return model.IdentifierKindExternalID
}

// History cursors are opaque to clients: the encoded time and ID of the
// last event of a page.
const historyCursorPrefix = "history:"

func historyCursor(e store.Event) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%s%d|%s", historyCursorPrefix, e.At.UnixNano(), e.ID))
}

func decodeHistoryCursor(s string) (*store.HistoryPage, error) {
	bad := apperr.Input("after is not a cursor of this list")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	at, id, ok := strings.Cut(strings.TrimPrefix(string(b), historyCursorPrefix), "|")
	nanos, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil || !strings.HasPrefix(string(b), historyCursorPrefix) || !strings.HasPrefix(id, "evt_") {
		return nil, bad
	}
	return &store.HistoryPage{At: time.Unix(0, nanos).UTC(), ID: id}, nil
}

// explain answers explainMatch for two resolved customers.
func (r *Resolver) explain(ctx context.Context, a, b *store.Customer, askedA, askedB string) (*model.MatchExplanation, error) {
	out := &model.MatchExplanation{A: a.ID, B: b.ID, SameCustomer: a.ID == b.ID, Evidence: []model.MatchEvidence{}, Events: []model.IdentityEvent{}}
	events, err := r.Store.EventsBetween(ctx, askedA, askedB)
	if err != nil {
		return nil, apperr.Store(err)
	}
	for i := range events {
		out.Events = append(out.Events, *toEvent(&events[i]))
	}
	l := loaders.From(ctx)
	thA, thB := l.Identities(ctx, a.ID), l.Identities(ctx, b.ID)
	idsA, errA := thA()
	idsB, errB := thB()
	if err := errors.Join(errA, errB); err != nil {
		return nil, apperr.Store(err)
	}
	p := r.policy()
	if out.SameCustomer {
		// How each system's record joined the customer.
		for _, id := range idsA {
			if id.Kind != store.KindExternalID {
				continue
			}
			ev := model.MatchEvidence{Kind: model.IdentifierKindExternalID, System: strPtr(id.System), Value: id.Value,
				Rule: strPtr(id.Rule), Decision: model.MatchDecisionMatch, Confidence: id.Confidence, Sources: []string{id.Source}}
			out.Evidence = append(out.Evidence, ev)
		}
		out.Verdict = model.MatchVerdictSameCustomer
		out.Summary = fmt.Sprintf("One customer: %d system records joined it through the match rules.", len(out.Evidence))
		if askedA != askedB && len(events) > 0 && events[0].Action == store.ActionMerge {
			out.Verdict = model.MatchVerdictMerged
			out.Summary = fmt.Sprintf("One customer because %s merged them.", events[0].Actor)
		}
		return out, nil
	}
	out.Evidence = sharedEvidence(p, idsA, idsB)
	matches := 0
	for _, e := range out.Evidence {
		if e.Decision == model.MatchDecisionMatch {
			matches++
		}
	}
	switch {
	case len(events) > 0 && events[0].Action == store.ActionSplit:
		out.Verdict = model.MatchVerdictSplit
		out.Summary = fmt.Sprintf("Two customers: %s split them apart after a merge.", events[0].Actor)
	case len(out.Evidence) == 0:
		out.Verdict = model.MatchVerdictUnrelated
		out.Summary = "Two customers: they share no identifier."
	case matches == 0:
		out.Verdict = model.MatchVerdictRefused
		out.Summary = fmt.Sprintf("Two customers: they share %d identifier(s), none of which the match rules accept", len(out.Evidence))
		if why := refusals(out.Evidence); why != "" {
			out.Summary += " (" + why + ")"
		}
		out.Summary += "."
	default:
		out.Verdict = model.MatchVerdictRefused
		out.Summary = fmt.Sprintf("Two customers: %d shared identifier(s) would match, but the records were not joined "+
			"(their names disagree, or they were linked before the rule applied); merge them if they are one person.", matches)
	}
	return out, nil
}

// refusals names the decisions and reasons of the evidence that does not
// match, each once, in order.
func refusals(evidence []model.MatchEvidence) string {
	var out []string
	for _, e := range evidence {
		why := strings.ToLower(string(e.Decision))
		if e.Reason != nil {
			why += ": " + strings.ToLower(strings.ReplaceAll(string(*e.Reason), "_", " "))
		}
		if e.Decision != model.MatchDecisionMatch && !slices.Contains(out, why) {
			out = append(out, why)
		}
	}
	return strings.Join(out, "; ")
}

// sharedEvidence lists the identifiers two customers share, by match key,
// with what the rules decide about each.
func sharedEvidence(p *identity.Policy, a, b []store.Identity) []model.MatchEvidence {
	key := func(id store.Identity) string {
		kind := id.Kind
		if kind == store.KindWhatsApp {
			kind = store.KindPhone
		}
		return kind + "\x00" + id.System + "\x00" + id.Value
	}
	inB := map[string][]store.Identity{}
	for _, id := range b {
		inB[key(id)] = append(inB[key(id)], id)
	}
	var out []model.MatchEvidence
	seen := map[string]bool{}
	for _, id := range a {
		k := key(id)
		others, ok := inB[k]
		if !ok || seen[k] || id.Kind == store.KindExternalID {
			continue
		}
		seen[k] = true
		ev := model.MatchEvidence{Kind: kindOf(id.Kind), System: strPtr(id.System), Value: id.Value}
		statuses := []string{id.Status}
		reasons := []string{id.Reason}
		ev.Sources = []string{id.Source}
		for _, o := range others {
			statuses = append(statuses, o.Status)
			reasons = append(reasons, o.Reason)
			if !slices.Contains(ev.Sources, o.Source) {
				ev.Sources = append(ev.Sources, o.Source)
			}
		}
		rule, hasRule := p.RuleFor(id.Kind)
		if hasRule {
			ev.Rule = &rule.Name
		}
		switch {
		case slices.Contains(statuses, store.StatusUnnormalized):
			ev.Decision = model.MatchDecisionUnnormalized
		case slices.Contains(statuses, store.StatusBlocked) || p.Blocked(id.Kind, id.Value):
			ev.Decision = model.MatchDecisionBlocked
		case slices.Contains(statuses, store.StatusShared):
			ev.Decision = model.MatchDecisionShared
			ev.Reason = sharedReason(reasons)
		case !hasRule:
			ev.Decision = model.MatchDecisionNoRule
		default:
			ev.Decision, ev.Confidence = model.MatchDecisionMatch, rule.Confidence
		}
		out = append(out, ev)
	}
	if out == nil {
		out = []model.MatchEvidence{}
	}
	return out
}

// sharedReason is the first reason recorded on a shared value's
// identities, nil when none was (a value found shared before reasons were
// recorded).
func sharedReason(reasons []string) *model.SharedReason {
	for _, r := range reasons {
		if r == "" {
			continue
		}
		out := model.SharedReason(strings.ToUpper(r))
		if out.IsValid() {
			return &out
		}
	}
	return nil
}

// suppressed reports whether the identifier, or the system's key, is on the
// suppression list: it belongs to a person whose data was erased.
func (r *Resolver) suppressed(id identifier) bool {
	if r.Suppression == nil {
		return false
	}
	if id.kind == store.KindExternalID {
		return r.Suppression.Key(id.system, id.value)
	}
	return r.Suppression.Identifier(id.kind, id.system, id.value)
}

// keyExists checks, before a system's key is linked by hand, that the
// system has a record with it: read afresh (never from the read cache or a
// last good value) through the connector's batch read. A system whose
// connector cannot read profiles is not checked.
func (r *Resolver) keyExists(ctx context.Context, system, key string) error {
	src, ok := r.Sources.Get(system)
	if !ok {
		return apperr.Input("identifier.system is not a configured system")
	}
	if !src.Has(connectors.CapProfiles) {
		return nil
	}
	recs, err := src.Profiles(sources.Fresh(ctx), []string{key})
	if err != nil {
		return err
	}
	if len(recs) != 1 || recs[0] == nil {
		return apperr.Coded(apperr.CodeNotFound, "the system has no record with that key")
	}
	return nil
}

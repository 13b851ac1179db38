package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/harmonyhq/harmony/internal/caller"
)

// Codes of an operation refused or ended because its caller's credential
// ended: a token past its expiry, an API key a reload removed or changed.
const (
	codeCredentialExpired = "CREDENTIAL_EXPIRED" //nolint:gosec // G101: an error code, not a credential
	codeCredentialRevoked = "CREDENTIAL_REVOKED" //nolint:gosec // G101: an error code, not a credential
)

// Close reasons of a websocket whose credential ended (code closeForbidden:
// the credential no longer verifies).
const (
	reasonCredentialExpired = "credential expired" //nolint:gosec // G101: a close reason, not a credential
	reasonCredentialRevoked = "credential revoked" //nolint:gosec // G101: a close reason, not a credential
)

var (
	errCredentialExpired = errors.New("the credential expired")
	errCredentialRevoked = errors.New("the credential was revoked")
)

// Revocations tells when a caller's credential is revoked (see
// auth.Authenticator.Revoked): the channel closes then, nil for a
// credential that cannot be. stop ends the watch.
type Revocations func(caller.Caller) (revoked <-chan struct{}, stop func())

// credentialLifetime ends what outlives its credential. A subscription is
// authenticated once, when it starts (an SSE request, a websocket's
// upgrade or connection_init), and may stream for hours: it ends when its
// caller's credential expires or is revoked, with a last result carrying
// an error coded CREDENTIAL_EXPIRED or CREDENTIAL_REVOKED, then the end of
// the stream (an SSE "complete", a websocket "complete"; the websocket
// itself is then closed with 4403, see watchSocket). An operation whose
// caller's credential has already expired (a query sent on a websocket
// opened before) is refused with CREDENTIAL_EXPIRED.
type credentialLifetime struct {
	revoked Revocations // nil: nothing is revoked (open mode)
	now     func() time.Time
}

var (
	_ graphql.HandlerExtension     = credentialLifetime{}
	_ graphql.OperationInterceptor = credentialLifetime{}
)

// ExtensionName implements graphql.HandlerExtension.
func (credentialLifetime) ExtensionName() string { return "CredentialLifetime" }

// Validate implements graphql.HandlerExtension.
func (credentialLifetime) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation implements graphql.OperationInterceptor.
func (l credentialLifetime) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	c := caller.From(ctx)
	if c.Expired(l.clock()) {
		return graphql.OneShot(credentialEnded(errCredentialExpired))
	}
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription {
		return next(ctx)
	}
	var revoked <-chan struct{}
	stopWatch := func() {}
	if l.revoked != nil {
		revoked, stopWatch = l.revoked(c)
	}
	if c.Expires.IsZero() && revoked == nil {
		stopWatch()
		return next(ctx)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	var timer *time.Timer
	if !c.Expires.IsZero() {
		timer = time.AfterFunc(c.Expires.Sub(l.clock()), func() { cancel(errCredentialExpired) })
	}
	if revoked != nil {
		go func() {
			select {
			case <-revoked:
				cancel(errCredentialRevoked)
			case <-ctx.Done():
			}
		}()
	}
	var once sync.Once
	release := func() {
		once.Do(func() {
			if timer != nil {
				timer.Stop()
			}
			stopWatch()
		})
	}
	// However the operation ends (its client leaves, the gateway drains),
	// the watch ends with it.
	context.AfterFunc(ctx, release)
	handle := next(ctx)
	reported := false
	return func(rctx context.Context) *graphql.Response {
		if reported {
			return nil
		}
		if resp := handle(rctx); resp != nil {
			return resp
		}
		defer cancel(nil)
		if cause := context.Cause(ctx); errors.Is(cause, errCredentialExpired) || errors.Is(cause, errCredentialRevoked) {
			reported = true
			return credentialEnded(cause)
		}
		return nil
	}
}

func (l credentialLifetime) clock() time.Time {
	if l.now != nil {
		return l.now()
	}
	return time.Now()
}

// credentialEnded is the last result of an operation whose credential
// ended: an error saying so, coded, and no data.
func credentialEnded(cause error) *graphql.Response {
	e := &gqlerror.Error{Message: "the credential expired: authenticate again, then subscribe again",
		Extensions: map[string]any{"code": codeCredentialExpired}}
	if errors.Is(cause, errCredentialRevoked) {
		e = &gqlerror.Error{Message: "the credential was revoked or its access changed: authenticate again, then subscribe again",
			Extensions: map[string]any{"code": codeCredentialRevoked}}
	}
	return &graphql.Response{Errors: gqlerror.List{e}}
}

// watchSocket closes a websocket when its caller's credential expires or
// is revoked, with 4403 and the reason, after leaving its subscriptions
// (ended by credentialLifetime at the same moment) completeGrace to send
// their last result and "complete". It stops when the socket closes.
func watchSocket(ctx context.Context, c caller.Caller, now func() time.Time) {
	slot, _ := ctx.Value(socketSlotKey{}).(*socketSlot)
	conn := slot.get()
	if conn == nil {
		return
	}
	var revoked <-chan struct{}
	stop := func() {}
	if slot.revocations != nil {
		revoked, stop = slot.revocations(c)
	}
	if c.Expires.IsZero() && revoked == nil {
		stop()
		return
	}
	go func() {
		defer stop()
		var expiry <-chan time.Time
		if !c.Expires.IsZero() {
			t := time.NewTimer(c.Expires.Sub(now()))
			defer t.Stop()
			expiry = t.C
		}
		reason := reasonCredentialExpired
		select {
		case <-expiry:
		case <-revoked:
			reason = reasonCredentialRevoked
		case <-conn.closed:
			return
		}
		grace := time.NewTimer(completeGrace)
		defer grace.Stop()
		select {
		case <-grace.C:
		case <-conn.closed:
			return
		}
		_ = conn.WriteClose(closeForbidden, reason)
	}()
}

// socketSlotKey carries, in a /graphql request's context, the slot its
// websocket (if it becomes one) is put in when accepted, so that
// connection_init can watch it (watchSocket).
type socketSlotKey struct{}

type socketSlot struct {
	revocations Revocations // nil: nothing is revoked

	mu   sync.Mutex
	conn *trackedConn
}

func (s *socketSlot) set(c *trackedConn) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = c
}

func (s *socketSlot) get() *trackedConn {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn
}

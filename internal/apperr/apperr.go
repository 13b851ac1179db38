// Package apperr holds the gateway's own classified errors, the ones that
// are not a connector's. Their messages are written for clients and never
// carry input values or customer data; the cause stays for logs.
package apperr

import (
	"errors"
	"fmt"

	"github.com/harmonyhq/harmony/internal/overload"
)

// Code is sent to clients as extensions.code.
type Code string

// Codes of the gateway's own errors.
const (
	// CodeBadInput: an argument is invalid.
	CodeBadInput Code = "BAD_USER_INPUT"
	// CodeStoreUnavailable: the profile store could not be read.
	CodeStoreUnavailable Code = "PROFILE_STORE_UNAVAILABLE"
	// CodeInternal: anything unexpected. Its cause is logged, never shown.
	CodeInternal Code = "INTERNAL_SERVER_ERROR"
	// CodeNotFound: an ID names nothing.
	CodeNotFound Code = "NOT_FOUND"
	// CodeIdentityConflict: the identifier belongs to another customer.
	CodeIdentityConflict Code = "IDENTITY_CONFLICT"
	// CodeIdentityBlocked: the identifier is a blocked value.
	CodeIdentityBlocked Code = "IDENTITY_BLOCKED"
	// CodeIdentitySuppressed: the identifier or key belongs to a person
	// whose data was erased (the suppression list).
	CodeIdentitySuppressed Code = "IDENTITY_SUPPRESSED"
	// CodeStillHeld: a system said to be erased by hand still holds the
	// records.
	CodeStillHeld Code = "STILL_HELD"
	// CodeIdentityLimit: a guardrail (the cap of identities per customer)
	// refuses the change.
	CodeIdentityLimit Code = "IDENTITY_LIMIT"
	// CodeBusy: another request is changing the same customers; retry.
	CodeBusy Code = "CONFLICTING_CHANGE"
	// CodeConsentRequired: the customer has not consented to the purpose
	// the field or action serves.
	CodeConsentRequired Code = "CONSENT_REQUIRED"
	// CodeErased: the customer's data was erased by a privacy request.
	CodeErased Code = "CUSTOMER_ERASED"
	// CodeOverloaded: the gateway shed the work (the profile store's
	// queue was full); retry later. Over HTTP the whole request is
	// answered 503 with Retry-After; over a websocket or SSE the error
	// stands in the answer.
	CodeOverloaded Code = "OVERLOADED"
)

// Error is a classified gateway error.
type Error struct {
	Code Code
	// Public is the message shown to clients.
	Public string
	// Err is the cause, for logs only.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Public, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Public)
}

func (e *Error) Unwrap() error { return e.Err }

// Input reports an invalid argument. The message must name the argument,
// never repeat its value.
func Input(format string, args ...any) *Error {
	return &Error{Code: CodeBadInput, Public: fmt.Sprintf(format, args...)}
}

// Coded reports a refusal with its own code. The message must carry no
// input values.
func Coded(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Public: fmt.Sprintf(format, args...)}
}

// Store reports a profile store failure, or its overload.
func Store(err error) *Error {
	if errors.Is(err, overload.ErrShed) {
		return &Error{Code: CodeOverloaded, Public: "the gateway is overloaded: retry later", Err: err}
	}
	return &Error{Code: CodeStoreUnavailable, Public: "the profile store is unavailable", Err: err}
}

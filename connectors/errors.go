package connectors

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Code classifies a connector failure. Codes reach GraphQL clients as
// extensions.code, so they never carry upstream detail.
type Code string

// Failure codes.
const (
	// CodeUnavailable: the system could not be reached or answered 5xx.
	CodeUnavailable Code = "UPSTREAM_UNAVAILABLE"
	// CodeTimeout: the system did not answer within the connector's timeout.
	CodeTimeout Code = "UPSTREAM_TIMEOUT"
	// CodeBadResponse: the system answered something the connector cannot
	// read, or results that do not line up with the keys asked.
	CodeBadResponse Code = "UPSTREAM_BAD_RESPONSE"
	// CodeUnauthorized: the system refused the connector's credentials.
	CodeUnauthorized Code = "UPSTREAM_UNAUTHORIZED"
	// CodeRateLimited: the system asked the connector to slow down.
	CodeRateLimited Code = "UPSTREAM_RATE_LIMITED"
	// CodeRejected: the system refused the request as invalid (4xx).
	CodeRejected Code = "UPSTREAM_REJECTED"
	// CodeInternal: the connector itself failed (a panic, a bug).
	CodeInternal Code = "CONNECTOR_FAILED"
	// CodeCircuitOpen: the gateway stopped calling the system for a while
	// after repeated failures (its circuit breaker is open).
	CodeCircuitOpen Code = "CIRCUIT_OPEN"
)

// Error is a classified connector failure. Connectors return one with
// NewError; the guard fills in Connector and Capability.
type Error struct {
	Code       Code
	Connector  string     // instance name, set by the gateway
	Capability Capability // set by the gateway
	// RetryAfter is the wait the system asked for, zero if none.
	RetryAfter time.Duration
	// Err is the cause, for logs. It must not hold secrets or customer data.
	Err error
}

// NewError classifies err.
func NewError(code Code, err error) *Error {
	return &Error{Code: code, Err: err}
}

// Errorf classifies a formatted error.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Connector != "" {
		msg = e.Connector + ": " + msg
		if e.Capability != "" {
			msg = e.Connector + " " + string(e.Capability) + ": " + string(e.Code)
		}
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Public is the message safe to show a client: the connector and what went
// wrong, never the upstream's words.
func (e *Error) Public() string {
	what := map[Code]string{
		CodeUnavailable:  "is unavailable",
		CodeTimeout:      "did not answer in time",
		CodeBadResponse:  "answered something unreadable",
		CodeUnauthorized: "refused the gateway's credentials",
		CodeRateLimited:  "is rate limiting the gateway",
		CodeRejected:     "rejected the request",
		CodeInternal:     "connector failed",
		CodeCircuitOpen:  "is failing; the gateway paused calls to it",
	}[e.Code]
	if what == "" {
		what = "failed"
	}
	name := e.Connector
	if name == "" {
		name = "a source"
	}
	return fmt.Sprintf("source %s %s", name, what)
}

// Classify returns err as an *Error, classifying unknown errors: deadline
// errors become CodeTimeout and anything else CodeUnavailable.
func Classify(err error) *Error {
	if err == nil {
		return nil
	}
	var ce *Error
	if errors.As(err, &ce) {
		return ce
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return NewError(CodeTimeout, err)
	}
	return NewError(CodeUnavailable, err)
}

// CodeOf returns err's code, "" when err is not a connector error.
func CodeOf(err error) Code {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return ""
}

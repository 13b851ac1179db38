package connectors

import (
	"context"
	"net/http"
)

// Event is one thing a system reports by webhook: a new message, a ticket
// solved, a call ended. Events are stored once per (connector, ID) and
// published to subscribers.
type Event struct {
	// ID is the system's own event ID. Required: the gateway stores an event
	// once per connector and ID, so a system that retries a delivery does
	// not record it twice.
	ID string
	// Type is the system's event type ("message.created"), for filters.
	Type string
	// CustomerKey is the customer's native key in the system, when the event
	// names one. The gateway resolves it through the identity graph.
	CustomerKey string
	// Identifier names the customer when the event carries no native key
	// (an e-mail address, a phone number), as the system wrote it: the
	// gateway normalises it. Zero when unknown.
	Identifier Identifier
	// Interaction is the contact the event reports, when it reports one. Its
	// CustomerKey equals the event's.
	Interaction *Interaction
}

// EventParser turns a webhook delivery into events. The gateway checks the
// delivery's signature before calling it, so a parser reads only requests
// the system sent; it must still treat the body as untrusted input.
type EventParser interface {
	// ParseEvents returns the events of one delivery, in the order the body
	// lists them; a delivery may carry none (a ping). An error means the
	// body is not what the system sends: the gateway answers 400 without
	// echoing it, so the error must not quote the body either.
	ParseEvents(ctx context.Context, header http.Header, body []byte) ([]Event, error)
}

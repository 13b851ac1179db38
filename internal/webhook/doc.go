// Package webhook receives the events channel systems POST to
// /webhooks/{connector}: it checks the delivery's HMAC signature (and
// timestamp, against replays), has the connector parse the body into
// events, resolves each event's customer through the identity graph,
// stores the events (once per connector and event ID) and only then
// answers 2xx and publishes them on the bus.
//
// An accepted event is a stored event: a system that gets no 2xx sends
// again, and a delivery sent twice is stored once and answered
// "duplicate". Answers never echo the body, logs never hold it, and the
// signing secret is never printed.
package webhook

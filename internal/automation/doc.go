// Package automation runs the automated journeys of the configuration
// (the journeys block): it hears stored events on the bus (webhooks and
// recorded interactions) and runs schedules over the indexed customers,
// checks a journey's conditions, waits its delay, and acts through the
// channel connectors (a template by e-mail, WhatsApp or SMS in a fallback
// order, or a callback task in the call center on the phone channel),
// within frequency caps and quiet hours in the customer's time zone.
//
// Every run lives in the profile store (store.JourneyRun) under an ID
// derived from (journey, customer, trigger), inserted once, so a trigger
// heard twice, by retries or by several replicas, is one run; a run is
// acted on by the engine that holds its lease, and a send carries an
// idempotency key derived from the run, so a run taken over after a crash
// is not sent twice. Consent is checked again at send time.
// docs/automation.md describes journeys, the guarantees and the limits.
package automation

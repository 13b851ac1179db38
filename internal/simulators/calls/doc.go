// Package calls simulates an Aircall-like call-center API on loopback:
// contacts and their calls, some of which continue a helpdesk conversation
// (their ref is the conversation's thread ref). Authentication is the
// "X-Api-Key" header. Times are Unix seconds.
//
//	GET /v1/contacts?ids=c_1,c_2          route "contacts.get"
//	  -> {"contacts":[{"id","first_name","last_name","phone_numbers":[{"label":"mobile","value"}],
//	      "emails":[{"label":"work","value"}],"updated_at":<unix>}]}
//	GET /v1/contacts?page=1&per_page=100  route "contacts.list"
//	  -> {"contacts":[...],"meta":{"total":N,"current_page":1,"per_page":100,"next_page":2|null}}
//	GET /v1/calls?contact_ids=c_1&from=<unix>&to=<unix>&per_contact=6  route "calls"
//	  -> {"calls":[{"id":123456,"contact_id","direction","started_at","answered_at"|null,"ended_at",
//	      "duration","status":"done","outcome","agent","ref"|null}]}
//
// contacts.get keeps input order, drops repeats and unknown ids and refuses
// more than 100. contacts.list pages by page number (from 1) in key order,
// per_page defaults to 20 and is capped at 100. Calls come grouped by contact in input
// order, each contact's newest first (ties: higher id first), at most
// per_contact (0 to 1000, default 10) each, from/to inclusive on started_at.
// Phone numbers are written spaced international ("+33 6 12 34 56 78");
// phone_numbers and emails are [] when the contact has none. A callback is
// a task for an agent to call the contact back: 404 for an unknown contact,
// and a repeated idempotency key answers the first task without adding one.
package calls

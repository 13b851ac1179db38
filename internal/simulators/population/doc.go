// Package population generates the ground truth the channel simulators
// serve: a deterministic set of people, which channel systems know each of
// them, how each system writes their identifiers (with the casing,
// whitespace and phone-format noise real systems have), and what they did
// there (online orders, in-store sales, helpdesk conversations, e-mail
// marketing events, calls).
//
// Generate(seed, n) is a pure function: the same seed and size give
// byte-identical data, and the first m people of Generate(seed, n) are the
// people of Generate(seed, m). Time never comes from the wall clock: events
// fall in the HistoryDays days before the fixed reference time Now.
//
// All names, e-mail addresses (under the reserved .example domains and
// example.com/net/org) and phone numbers are made up.
package population

// Package identity knows who is who: it normalises identifiers (e-mail,
// phone, WhatsApp ID, loyalty card, a system's own key), links the records of
// every channel system to Harmony customers in the profile store, and answers
// "which customer owns this identifier?" and "what is this customer called in
// system X?".
//
// Linking is deterministic: records that share a strong identifier belong to
// one customer, unless their given names disagree (a shared family inbox must
// not merge two people). A link, once stored, never moves silently.
package identity

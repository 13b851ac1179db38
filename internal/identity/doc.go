// Package identity knows who is who: it normalises identifiers (e-mail,
// phone, WhatsApp ID, loyalty card, social handle, a system's own key),
// links the records of every channel system to Harmony customers in the
// profile store, and answers "which customer owns this identifier?" and
// "what is this customer called in system X?".
//
// A Policy holds the configuration: the normaliser (default phone region,
// per-domain e-mail provider rules), the deterministic match rules in
// priority order, blocked values, the cap of identities per customer and the
// alert threshold.
//
// Linking is deterministic and depends on the records alone, not on their
// order: records that share a matchable identifier of a kind some rule
// names belong to one customer, unless evidence says they are different
// people (different names, a one-letter typo with nothing personal in
// common, different birth dates or family names, a phone number behind
// different e-mails): such a value is shared and joins nobody, with its
// reason (match.go). Blocked, placeholder and unnormalisable values join
// nobody either. Each full sync brings the store to that partition,
// recording the merges and moves it makes in the history; what people
// decided (merges, splits, links and unlinks by hand, see the store's
// Merge, Split, Link and Unlink) it never undoes (reconcile.go).
package identity

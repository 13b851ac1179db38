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
// Linking is deterministic: records that share a matchable identifier of a
// kind some rule names belong to one customer. A value held by records whose
// given names disagree (a family inbox, a recycled number) is shared and
// joins nobody; blocked and unnormalisable values join nobody either. A
// link, once stored, never moves silently: merges, splits and unlinks are
// made by people (see the store's Merge, Split, Link and Unlink) and
// recorded in the history.
package identity

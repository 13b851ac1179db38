// Package suppress keeps the suppression list: the identifiers and native
// keys of the people erased by a privacy request, so that nothing brings
// them back. The identity sync and lookups skip records that carry one,
// webhooks drop events that name one, linkIdentity refuses to link one,
// and customerByIdentifier answers null for one without asking the
// systems.
//
// Entries are salted hashes, never values: an HMAC-SHA256, under the
// suppression salt, of the identifier's kind and normalised value, or of a
// system's name and native key. The same hash names a key in the
// messages that purge caches across replicas (PurgeID), so no value
// travels either. The list lives in the profile store (collection
// suppressions) and, whole, in each replica's memory: it grows by one
// request's identifiers at a time, and replicas reload it when the bus
// says another added to it.
package suppress

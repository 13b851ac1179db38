// Package cache keeps the connectors' reads for a while, so that a value
// read from a system answers the next operations without another upstream
// call until its time to live runs out or a webhook says the customer
// changed.
//
// Entries live in an LRU per connector in each replica's memory (Memory),
// or in Redis, shared by replicas (Redis). Either way no key is held in
// clear: a native key becomes an HMAC-SHA256 under a secret salt (its
// "subject"), and an entry's key is the subject and a second HMAC of the
// capability and the window read. Invalidation drops every entry of a
// subject, whatever its capability or window, and leaves a tombstone that
// keeps a read that started before it from storing its older value after
// it.
package cache

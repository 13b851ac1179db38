// Package mongodb is the `mongodb` connector kind: collections of another
// MongoDB deployment (a loyalty program, a marketing platform's database)
// read with one configured find per capability.
//
// Each capability names a collection, a filter document that uses the
// placeholders ":keys" (the batch's native keys, bound as a list, so the
// filter says {member_id: {$in: ":keys"}}), ":since" and ":until" (the time
// window, as BSON dates), an optional projection and sort, and a mapping of
// the documents onto Harmony's records with the same JSON paths as the rest
// kind. Profiles, lookup and export run one find for the whole batch;
// orders and interactions run one find per key, bounded by the window's
// limit (window.go says why); erase runs deleteMany/updateMany steps and
// send one insertOne per message into an outbox (privacy.go, actions.go).
//
// A bound of the window that the caller leaves open removes the operator
// that holds its placeholder ({placed_at: {$gte: ":since", $lte: ":until"}}
// becomes {placed_at: {$lte: ...}} without a lower bound), and a field left
// with no condition is removed too.
package mongodb

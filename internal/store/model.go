package store

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// Identifier kinds as stored.
const (
	KindEmail       = "email"
	KindPhone       = "phone"
	KindWhatsApp    = "whatsapp"
	KindLoyaltyCard = "loyalty_card"
	KindSocial      = "social_handle" // System names the network
	KindExternalID  = "external_id"   // a system's own key; System names the system
)

// Customer is Harmony's record of one person. The person's data stays in
// the channel systems; the profile store keeps who is who.
type Customer struct {
	ID        string    `bson:"_id"`
	CreatedAt time.Time `bson:"created_at"`
	// MergedInto is set when the customer was merged into another: its ID
	// keeps resolving to that survivor.
	MergedInto string `bson:"merged_into,omitempty"`
	// MergeID is the history event of the customer's latest merge into
	// another; SplitID the event that undid it.
	MergeID string `bson:"merge_id,omitempty"`
	SplitID string `bson:"split_id,omitempty"`
	// ErasedAt is set when a privacy request erased the customer: the
	// document stays as a tombstone without data, so its ID and the IDs
	// merged into it resolve to "erased".
	ErasedAt *time.Time `bson:"erased_at,omitempty"`
}

// Identity links one normalised identifier, or one system's native key, to a
// customer. Its ID is derived from kind, system and value, so an identifier
// can belong to one customer only and re-inserting it is harmless.
type Identity struct {
	ID         string    `bson:"_id"`
	CustomerID string    `bson:"customer_id"`
	Kind       string    `bson:"kind"`
	System     string    `bson:"system,omitempty"`
	Value      string    `bson:"value"`
	Rule       string    `bson:"rule"`
	Source     string    `bson:"source"`
	Confidence float64   `bson:"confidence"`
	LinkedAt   time.Time `bson:"linked_at"`
	// Status is StatusMatch ("") for an identifier that matches records,
	// else why it does not.
	Status string `bson:"status,omitempty"`
	// Reason says why a value of a kind some rule names joins nobody
	// (StatusShared): the evidence that its holders are different people,
	// one of identity's Reason* constants.
	Reason string `bson:"reason,omitempty"`
	// MergedFrom lists the customers the identity belonged to before merges
	// moved it here, oldest first; MergeIDs the merges' history events, in
	// the same order. A split pops what its merge pushed.
	MergedFrom []string `bson:"merged_from,omitempty"`
	MergeIDs   []string `bson:"merge_ids,omitempty"`
}

// Identity statuses. Only StatusMatch identities join records; the others
// are kept so the customer still shows them.
const (
	StatusMatch        = ""
	StatusBlocked      = "blocked"      // a blocked value: a shared inbox, a test number
	StatusShared       = "shared"       // seen on records of different people
	StatusUnnormalized = "unnormalized" // could not be normalised: kept as given
	StatusUnlinked     = "unlinked"     // unlinked by a person; CustomerID is ""
)

// ScopedIdentityID derives the ID of an identifier that does not match
// (blocked, shared, unnormalised): it is scoped to the record it was read
// from, so every customer holding the value keeps its own copy.
func ScopedIdentityID(kind, system, value, recordSystem, recordKey string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{"scoped", kind, system, value, recordSystem, recordKey}, "\x00")))
	return "idn_" + hex.EncodeToString(h[:16])
}

// IdentityID derives the document ID of an identifier. It is a hash, so the
// ID reveals nothing and has no characters MongoDB reserves.
func IdentityID(kind, system, value string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{kind, system, value}, "\x00")))
	return "idn_" + hex.EncodeToString(h[:16])
}

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
	KindExternalID  = "external_id" // a system's own key; System names the system
)

// Customer is Harmony's record of one person. The person's data stays in
// the channel systems; the profile store keeps who is who.
type Customer struct {
	ID        string    `bson:"_id"`
	CreatedAt time.Time `bson:"created_at"`
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
}

// IdentityID derives the document ID of an identifier. It is a hash, so the
// ID reveals nothing and has no characters MongoDB reserves.
func IdentityID(kind, system, value string) string {
	h := sha256.Sum256([]byte(strings.Join([]string{kind, system, value}, "\x00")))
	return "idn_" + hex.EncodeToString(h[:16])
}

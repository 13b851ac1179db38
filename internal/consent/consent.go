// Package consent decides whether a customer consented to a purpose on a
// channel, from the consent records of the profile store. The @consent
// directive uses it for fields, and actions that reach a customer (sending
// a message) call Check before acting.
//
// The rule: among the customer's records for the purpose whose channel is
// the one asked or "every channel", the newest decides. Without any, the
// answer is no: consent is opt-in.
package consent

import (
	"context"
	"errors"
	"fmt"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/internal/store"
)

// Purposes, as stored.
const (
	Marketing       = "marketing"
	Service         = "service"
	Analytics       = "analytics"
	Personalization = "personalization"
)

// Purposes lists every purpose.
var Purposes = []string{Marketing, Service, Analytics, Personalization}

// ErrRequired is wrapped by the error Check returns when the customer has
// not consented.
var ErrRequired = errors.New("consent required")

// RequiredError says which consent is missing. Its message holds the
// purpose and channel, never customer data.
type RequiredError struct {
	Purpose string
	Channel string // "" for every channel
}

func (e *RequiredError) Error() string {
	if e.Channel == "" {
		return fmt.Sprintf("consent required: the customer has not consented to %s", e.Purpose)
	}
	return fmt.Sprintf("consent required: the customer has not consented to %s on %s", e.Purpose, e.Channel)
}

// Unwrap makes errors.Is(err, ErrRequired) hold.
func (e *RequiredError) Unwrap() error { return ErrRequired }

// Granted applies the rule to records, a customer's consent records in any
// order. channel "" asks about every channel: only records for every channel
// count then.
func Granted(records []store.Consent, channel, purpose string) bool {
	var best *store.Consent
	for i := range records {
		r := &records[i]
		if r.Erased || r.Purpose != purpose || (r.Channel != "" && r.Channel != channel) {
			continue
		}
		if best == nil || r.RecordedAt.After(best.RecordedAt) || (r.RecordedAt.Equal(best.RecordedAt) && r.ID > best.ID) {
			best = r
		}
	}
	return best != nil && best.Granted
}

// Reader reads what the rule needs: a customer, followed through merges,
// and its consent records. The operation's loaders are one (so that the
// consents of every customer of a list are read in one batch); Check reads
// the store directly.
type Reader interface {
	Customer(ctx context.Context, id string) dataloader.Thunk[*store.Customer]
	Consents(ctx context.Context, customerID string) dataloader.Thunk[[]store.Consent]
}

// Check returns nil when the customer (a Harmony ID, followed through
// merges) consented to purpose on channel ("" for every channel), a
// *RequiredError when not, and a store error when the store cannot tell.
// An unknown or erased customer has consented to nothing.
func Check(ctx context.Context, st *store.Store, customerID, channel, purpose string) error {
	return CheckWith(ctx, storeReader{st}, customerID, channel, purpose)
}

// CheckWith is Check reading through r: the @consent directive passes the
// operation's loaders.
func CheckWith(ctx context.Context, r Reader, customerID, channel, purpose string) error {
	cust, err := r.Customer(ctx, customerID)()
	if err != nil {
		return fmt.Errorf("check consent: %w", err)
	}
	if cust == nil || cust.ErasedAt != nil {
		return &RequiredError{Purpose: purpose, Channel: channel}
	}
	records, err := r.Consents(ctx, cust.ID)()
	if err != nil {
		return fmt.Errorf("check consent: %w", err)
	}
	if !Granted(records, channel, purpose) {
		return &RequiredError{Purpose: purpose, Channel: channel}
	}
	return nil
}

// storeReader reads one customer at a time from the store.
type storeReader struct{ st *store.Store }

func (r storeReader) Customer(ctx context.Context, id string) dataloader.Thunk[*store.Customer] {
	found, err := r.st.Resolve(ctx, []string{id})
	return func() (*store.Customer, error) {
		if err != nil {
			return nil, err
		}
		return found[0], nil
	}
}

func (r storeReader) Consents(ctx context.Context, customerID string) dataloader.Thunk[[]store.Consent] {
	records, err := r.st.ConsentsFor(ctx, []string{customerID})
	return func() ([]store.Consent, error) {
		if err != nil {
			return nil, err
		}
		return records[0], nil
	}
}

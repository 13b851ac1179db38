package suppress

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
)

// Store is what the list needs of the profile store; *store.Store is one.
type Store interface {
	AddSuppressions(ctx context.Context, list []store.Suppression) error
	SuppressionIDs(ctx context.Context) ([]string, error)
	GetSuppressionSalt(ctx context.Context) (*store.SuppressionSalt, error)
	PutSuppressionSalt(ctx context.Context, doc store.SuppressionSalt, replace bool) (*store.SuppressionSalt, error)
}

// MinSaltLength is the shortest configured salt accepted.
const MinSaltLength = 32

// ErrSaltMismatch is returned by Open when the configured salt is not the
// one the list in the store was written with: its entries would match
// nothing, and erased people would come back.
var ErrSaltMismatch = errors.New("does not match the salt the suppression list in the profile store was written with")

// List is the suppression list. Its methods are safe for concurrent use.
type List struct {
	salt  []byte
	store Store

	mu  sync.RWMutex
	ids map[string]struct{}
}

// Open returns the list of st, loaded. salt is the configured salt
// (privacy.suppression_salt); when empty, the salt the first replica
// generated and kept in the store is used (generated is then true). A
// configured salt must be the one the list was written with: ErrSaltMismatch
// otherwise, unless the list is empty.
func Open(ctx context.Context, st Store, salt string) (l *List, generated bool, err error) {
	doc, err := st.GetSuppressionSalt(ctx)
	if err != nil {
		return nil, false, err
	}
	l = &List{store: st, ids: map[string]struct{}{}}
	switch {
	case salt != "":
		l.salt = []byte(salt)
		check := l.check()
		if doc != nil && doc.Check != check {
			ids, err := st.SuppressionIDs(ctx)
			if err != nil {
				return nil, false, err
			}
			if len(ids) > 0 {
				return nil, false, ErrSaltMismatch
			}
		}
		if doc == nil || doc.Check != check {
			if _, err := st.PutSuppressionSalt(ctx, store.SuppressionSalt{Check: check}, true); err != nil {
				return nil, false, err
			}
		}
	case doc != nil && doc.Salt != "":
		if l.salt, err = hex.DecodeString(doc.Salt); err != nil {
			return nil, false, fmt.Errorf("the suppression salt kept in the profile store is not hex: %w", err)
		}
		generated = true
	default:
		raw := make([]byte, 32)
		_, _ = rand.Read(raw) // crypto/rand.Read never fails
		l.salt = raw
		kept, err := st.PutSuppressionSalt(ctx, store.SuppressionSalt{Check: l.check(), Salt: hex.EncodeToString(raw)}, false)
		if err != nil {
			return nil, false, err
		}
		if kept.Salt == "" {
			// A replica with a configured salt was first: this one must
			// be configured alike.
			return nil, false, ErrSaltMismatch
		}
		if l.salt, err = hex.DecodeString(kept.Salt); err != nil {
			return nil, false, fmt.Errorf("the suppression salt kept in the profile store is not hex: %w", err)
		}
		generated = true
	}
	if err := l.Reload(ctx); err != nil {
		return nil, false, err
	}
	return l, generated, nil
}

// NewForTest returns an empty list over st with salt, not checked against
// the store.
func NewForTest(st Store, salt string) *List {
	return &List{salt: []byte(salt), store: st, ids: map[string]struct{}{}}
}

// check is the HMAC of a fixed text that tells two salts apart.
func (l *List) check() string { return l.mac("check") }

// mac is the hex HMAC-SHA256 of parts, each length-prefixed so that
// ("ab", "c") and ("a", "bc") differ.
func (l *List) mac(parts ...string) string {
	m := hmac.New(sha256.New, l.salt)
	var n [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		m.Write(n[:])
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// KeyID is the entry of a system's native key.
func (l *List) KeyID(system, key string) string { return "k" + l.mac("key", system, key) }

// IdentifierID is the entry of an identifier, its value normalised as the
// identity graph stores it (system is a social handle's network). A phone
// number and a WhatsApp ID are one number.
func (l *List) IdentifierID(kind, system, value string) string {
	if kind == store.KindWhatsApp {
		kind = store.KindPhone
	}
	return "i" + l.mac("identifier", kind, system, value)
}

// PurgeID names every cached read of a native key of a connector, in the
// messages that purge caches across replicas: the key's entry.
func (l *List) PurgeID(connector, key string) string { return l.KeyID(connector, key) }

// Entries are the list entries of identities (a customer's, before
// erasure): every native key, and every identifier that matched records.
// Values that joined nobody (blocked, shared with other people, not
// normalised) are left out: they are not the person's alone, and
// suppressing them would drop other people's records.
func (l *List) Entries(idents []store.Identity, requestID string, at time.Time) []store.Suppression {
	var out []store.Suppression
	seen := map[string]bool{}
	add := func(id, kind string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, store.Suppression{ID: id, Kind: kind, At: at, Request: requestID})
		}
	}
	for _, x := range idents {
		switch {
		case x.Kind == store.KindExternalID:
			add(l.KeyID(x.System, x.Value), x.Kind)
		case x.Status == store.StatusMatch:
			add(l.IdentifierID(x.Kind, x.System, x.Value), x.Kind)
		}
	}
	return out
}

// Add records entries in the store, then in this replica's list.
func (l *List) Add(ctx context.Context, entries []store.Suppression) error {
	if err := l.store.AddSuppressions(ctx, entries); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range entries {
		l.ids[e.ID] = struct{}{}
	}
	return nil
}

// Reload reads the whole list from the store (another replica added to
// it, or its messages may have been lost).
func (l *List) Reload(ctx context.Context) error {
	ids, err := l.store.SuppressionIDs(ctx)
	if err != nil {
		return err
	}
	next := make(map[string]struct{}, len(ids))
	for _, id := range ids {
		next[id] = struct{}{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Entries this replica added meanwhile are in the store too, but a
	// read that began before them may miss them: keep them.
	for id := range l.ids {
		next[id] = struct{}{}
	}
	l.ids = next
	return nil
}

// Has reports whether any of ids is on the list.
func (l *List) Has(ids ...string) bool {
	if l == nil {
		return false
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, id := range ids {
		if _, ok := l.ids[id]; ok {
			return true
		}
	}
	return false
}

// Key reports whether a system's native key is on the list.
func (l *List) Key(system, key string) bool { return l != nil && l.Has(l.KeyID(system, key)) }

// Identifier reports whether a normalised identifier is on the list.
func (l *List) Identifier(kind, system, value string) bool {
	return l != nil && l.Has(l.IdentifierID(kind, system, value))
}

// Len is the number of entries.
func (l *List) Len() int {
	if l == nil {
		return 0
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	return len(l.ids)
}

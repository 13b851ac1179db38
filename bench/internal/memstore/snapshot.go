package memstore

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/harmonyhq/harmony/internal/store"
)

// Snapshot is the identity graph a real sync wrote: customers, their
// identities and their consents. It holds customer data: it lives in a
// temporary directory for the length of one benchmark run, never in
// results.
type Snapshot struct {
	Customers  []store.Customer `json:"customers"`
	Identities []store.Identity `json:"identities"`
	Consents   []store.Consent  `json:"consents"`
}

// Dump reads every customer, identity and consent record of s.
func Dump(ctx context.Context, s *store.Store) (*Snapshot, error) {
	snap := &Snapshot{}
	after := ""
	for {
		page, err := s.ListCustomers(ctx, after, 1000)
		if err != nil {
			return nil, fmt.Errorf("dump customers: %w", err)
		}
		if len(page) == 0 {
			break
		}
		ids := make([]string, len(page))
		for i, c := range page {
			ids[i] = c.ID
		}
		idents, err := s.IdentitiesOf(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("dump identities: %w", err)
		}
		consents, err := s.ConsentsOf(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("dump consents: %w", err)
		}
		snap.Customers = append(snap.Customers, page...)
		for _, list := range idents {
			snap.Identities = append(snap.Identities, list...)
		}
		for _, list := range consents {
			snap.Consents = append(snap.Consents, list...)
		}
		after = page[len(page)-1].ID
	}
	return snap, nil
}

// Save writes snap to path, readable by its owner only.
func (snap *Snapshot) Save(path string) error {
	b, err := json.Marshal(snap)
	if err != nil {
		return fmt.Errorf("encode snapshot: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}

// LoadSnapshot reads a snapshot Save wrote.
func LoadSnapshot(path string) (*Snapshot, error) {
	b, err := os.ReadFile(path) //nolint:gosec // G304: the snapshot the bench itself wrote, named on its own command line
	if err != nil {
		return nil, fmt.Errorf("read snapshot: %w", err)
	}
	snap := &Snapshot{}
	if err := json.Unmarshal(b, snap); err != nil {
		return nil, fmt.Errorf("decode snapshot: %w", err)
	}
	return snap, nil
}

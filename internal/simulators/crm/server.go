package crm

import (
	"context"
	"fmt"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// DefaultToken is the demo bearer token.
const DefaultToken = "demo-crm-token" //nolint:gosec // G101: a published demo credential of a local simulator

// Options configures the simulator.
type Options struct {
	Token string // bearer token; DefaultToken when empty
}

// Server is a running CRM simulator.
type Server struct {
	*simhttp.Server
	store  *store
	erased erasedSet
}

// New starts a CRM simulator on 127.0.0.1:0 serving pop's CRM records.
func New(ctx context.Context, pop *population.Population, opts Options) (*Server, error) {
	if pop == nil {
		return nil, fmt.Errorf("crm simulator: nil population")
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	s := &Server{
		Server: simhttp.New(population.CRM, simhttp.Bearer(opts.Token)),
		store:  newStore(pop),
	}
	s.Handle("POST /crm/v3/objects/contacts/batch/read", "contacts.batch_read", s.batchRead)
	s.Handle("GET /crm/v3/objects/contacts", "contacts.list", s.list)
	s.Handle("POST /crm/v3/objects/contacts/search", "contacts.search", s.search)
	s.Handle("POST /crm/v3/objects/contacts/gdpr-delete", "contacts.gdpr_delete", s.gdprDelete)
	s.Handle("GET /crm/v3/objects/contacts/{id}", "contacts.get", s.get)
	if err := s.Start(ctx); err != nil {
		return nil, fmt.Errorf("crm simulator: %w", err)
	}
	return s, nil
}

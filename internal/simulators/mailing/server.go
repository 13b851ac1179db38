package mailing

import (
	"context"
	"fmt"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// DefaultKey is the demo API key.
const DefaultKey = "demo-mailing-key"

// ListID is the one audience the simulator has.
const ListID = "main"

// Options configures the simulator.
type Options struct {
	Key string // API key (basic-auth password); DefaultKey when empty
}

// Server is a running e-mail marketing simulator.
type Server struct {
	*simhttp.Server
	store  *store
	erased erasedSet
	outbox *simhttp.Outbox
}

// New starts a mailing simulator on 127.0.0.1:0 serving pop's mailing
// records and e-mail events.
func New(ctx context.Context, pop *population.Population, opts Options) (*Server, error) {
	if pop == nil {
		return nil, fmt.Errorf("mailing simulator: nil population")
	}
	if opts.Key == "" {
		opts.Key = DefaultKey
	}
	s := &Server{
		Server: simhttp.New(population.Mailing, simhttp.BasicPassword(opts.Key)),
		store:  newStore(pop),
		outbox: simhttp.NewOutbox("tx_"),
	}
	// One endpoint serves two routes: with ids it is a batch get, without
	// it a page of the audience.
	s.HandleSelect("GET /3.0/lists/{list}/members", membersRoute, s.members)
	s.Handle("GET /3.0/activity", "activity", s.activity)
	s.Handle("POST /3.0/lists/{list}/members/{id}/actions/delete-permanent", "members.delete_permanent", s.deletePermanent)
	s.Handle("GET /3.0/lists/{list}/members/{id}", "members.get_one", s.getMember)
	s.Handle("POST /3.0/messages/send", "messages.send", s.sendTransactional)
	if err := s.Start(ctx); err != nil {
		return nil, fmt.Errorf("mailing simulator: %w", err)
	}
	return s, nil
}

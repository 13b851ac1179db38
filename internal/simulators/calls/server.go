package calls

import (
	"context"
	"fmt"
	"net/http"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// DefaultKey is the demo API key.
const DefaultKey = "demo-calls-key"

// Options configures the simulator.
type Options struct {
	Key string // X-Api-Key value; DefaultKey when empty
}

// Server is a running call-center simulator.
type Server struct {
	*simhttp.Server
	store  *store
	erased simhttp.Erased
	// callbacks are the callback tasks scheduled through the API.
	callbacks *simhttp.Outbox
}

// EraseByHand deletes a contact and its calls as a person would in the
// call center's own tools: its API has no erasure (tests of erasures done
// by hand).
func (s *Server) EraseByHand(id string) { s.erased.Add(id) }

// New starts a call-center simulator on 127.0.0.1:0 serving pop's
// call-center records and calls.
func New(ctx context.Context, pop *population.Population, opts Options) (*Server, error) {
	if pop == nil {
		return nil, fmt.Errorf("calls simulator: nil population")
	}
	if opts.Key == "" {
		opts.Key = DefaultKey
	}
	s := &Server{
		Server:    simhttp.New(population.Calls, simhttp.APIKey("X-Api-Key", opts.Key)),
		store:     newStore(pop),
		callbacks: simhttp.NewOutbox("cb_"),
	}
	s.HandleSelect("GET /v1/contacts", contactsRoute, s.contacts)
	s.Handle("GET /v1/calls", "calls", s.calls)
	s.Handle("POST /v1/callbacks", "callbacks.create", s.createCallback)
	if err := s.Start(ctx); err != nil {
		return nil, fmt.Errorf("calls simulator: %w", err)
	}
	return s, nil
}

// contactsRoute tells a batch get (with ids) from a page of contacts.
func contactsRoute(r *http.Request) string {
	if r.URL.Query().Has("ids") {
		return "contacts.get"
	}
	return "contacts.list"
}

package shop

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// DefaultToken is the demo access token.
const DefaultToken = "demo-shop-token"

// TokenHeader carries the access token.
const TokenHeader = "X-Shop-Access-Token"

// Options configures the simulator.
type Options struct {
	Token string // access token; DefaultToken when empty
}

// Server is a running shop simulator.
type Server struct {
	*simhttp.Server
	store *store
	docs  *docCache
}

// EraseByHand deletes a customer and their orders as a person would in the
// shop's admin: its API has no erasure (tests of erasures done by hand).
func (s *Server) EraseByHand(id string) { s.store.erased.Add(id) }

// New starts a shop simulator on 127.0.0.1:0 serving pop's shop customers
// and orders at URL()+"/graphql".
func New(ctx context.Context, pop *population.Population, opts Options) (*Server, error) {
	if pop == nil {
		return nil, fmt.Errorf("shop simulator: nil population")
	}
	if opts.Token == "" {
		opts.Token = DefaultToken
	}
	schema, err := loadSchema()
	if err != nil {
		return nil, fmt.Errorf("shop simulator: schema: %w", err)
	}
	s := &Server{
		Server: simhttp.New(population.Shop, simhttp.APIKey(TokenHeader, opts.Token)),
		store:  newStore(pop),
		docs:   &docCache{schema: schema, docs: map[string]cachedDoc{}},
	}
	// Routes are the root fields, counted by the handler once parsed.
	s.Handle("POST /graphql", "", s.serveGraphQL)
	if err := s.Start(ctx); err != nil {
		return nil, fmt.Errorf("shop simulator: %w", err)
	}
	return s, nil
}

type request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

// response is a GraphQL answer; data is written (possibly null) once
// execution started.
type response struct {
	Errors gqlerror.List `json:"errors,omitempty"`
	Data   *orderedMap   `json:"data"`
}

type errorsOnly struct {
	Errors gqlerror.List `json:"errors"`
}

func (s *Server) serveGraphQL(w http.ResponseWriter, r *http.Request) {
	var req request
	if err := simhttp.DecodeJSON(w, r, &req); err != nil || req.Query == "" {
		writeErrors(w, http.StatusBadRequest, errors.New("body must be a JSON GraphQL request with a query"))
		return
	}
	doc, errs := s.docs.load(req.Query)
	if len(errs) > 0 {
		simhttp.WriteJSON(w, http.StatusOK, errorsOnly{Errors: errs})
		return
	}
	op, err := operation(doc, req.OperationName)
	if err != nil {
		writeErrors(w, http.StatusOK, err)
		return
	}
	vars, err := validator.VariableValues(s.docs.schema, op, req.Variables)
	if err != nil {
		writeErrors(w, http.StatusOK, err)
		return
	}
	e := &executor{schema: s.docs.schema, doc: doc, vars: vars}
	for _, name := range e.rootFields(op) {
		s.Hit(name)
	}
	data := e.run(op, query{st: s.store})
	simhttp.WriteJSON(w, http.StatusOK, response{Errors: e.errs, Data: data})
}

func writeErrors(w http.ResponseWriter, status int, err error) {
	var ge *gqlerror.Error
	if !errors.As(err, &ge) {
		ge = &gqlerror.Error{Message: err.Error()}
	}
	simhttp.WriteJSON(w, status, errorsOnly{Errors: gqlerror.List{ge}})
}

// compile-time check that the response encodes.
var _ json.Marshaler = (*orderedMap)(nil)

package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// safeSSE is gqlgen's server-sent events transport with the body checked
// first: on a body it cannot decode, gqlgen's logs the body with the
// standard logger and quotes it in the answer, and a body may hold
// customer data (variables).
type safeSSE struct {
	transport.SSE
}

var _ graphql.Transport = safeSSE{}

// Do implements graphql.Transport.
func (t safeSSE) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "", "could not read the request body")
		return
	}
	var p graphql.RawParams
	if err := json.Unmarshal(body, &p); err != nil {
		writeError(w, http.StatusBadRequest, "", "the request body is not a GraphQL operation")
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	t.SSE.Do(w, r, exec)
}

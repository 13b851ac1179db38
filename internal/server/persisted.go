package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// QueryHash is the lower-case hex SHA-256 of a query's exact text: the
// hash clients send as extensions.persistedQuery.sha256Hash.
func QueryHash(query string) string {
	sum := sha256.Sum256([]byte(query))
	return hex.EncodeToString(sum[:])
}

// LoadSafelist reads the operations a safelist allows, by hash: path is a
// JSON object mapping each query's hash (see QueryHash) to the query, or a
// directory whose .graphql files are the queries (docs/queries is one).
// Every hash of a JSON file must be its query's.
func LoadSafelist(path string) (map[string]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("safelist: %w", err)
	}
	out := map[string]string{}
	if info.IsDir() {
		names, err := filepath.Glob(filepath.Join(path, "*.graphql"))
		if err != nil {
			return nil, fmt.Errorf("safelist: %w", err)
		}
		for _, n := range names {
			q, err := os.ReadFile(n) //nolint:gosec // G304: the operator names the safelist directory
			if err != nil {
				return nil, fmt.Errorf("safelist: %w", err)
			}
			out[QueryHash(string(q))] = string(q)
		}
	} else {
		data, err := os.ReadFile(path) //nolint:gosec // G304: the operator names the safelist file
		if err != nil {
			return nil, fmt.Errorf("safelist: %w", err)
		}
		var m map[string]string
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, errors.New("safelist: not a JSON object of sha256 hash to query")
		}
		for _, h := range slices.Sorted(maps.Keys(m)) {
			if QueryHash(m[h]) != strings.ToLower(h) {
				return nil, fmt.Errorf("safelist: entry %.16s…: the key is not the sha256 of its query", h)
			}
			out[strings.ToLower(h)] = m[h]
		}
	}
	if len(out) == 0 {
		return nil, errors.New("safelist: no operations")
	}
	return out, nil
}

// Manifest is the safelist JSON of queries: hash to query, indented.
func Manifest(queries []string) ([]byte, error) {
	m := make(map[string]string, len(queries))
	for _, q := range queries {
		m[QueryHash(q)] = q
	}
	return json.MarshalIndent(m, "", "  ")
}

// safelist runs only registered operations: a request names one by hash
// (extensions.persistedQuery.sha256Hash, as automatic persisted queries
// do) or sends its text, whose hash must be registered. A missing or nil
// map allows nothing.
type safelist struct{ queries map[string]string }

var (
	_ graphql.HandlerExtension          = safelist{}
	_ graphql.OperationParameterMutator = safelist{}
	_ graphql.HandlerExtension          = persistedOff{}
	_ graphql.OperationParameterMutator = persistedOff{}
)

func (safelist) ExtensionName() string                   { return "Safelist" }
func (safelist) Validate(graphql.ExecutableSchema) error { return nil }

func (s safelist) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	hash, sent := persistedHash(p.Extensions)
	if p.Query == "" {
		if !sent {
			return nil // no operation at all: the executor says so
		}
		q, ok := s.queries[strings.ToLower(hash)]
		if !ok {
			return notAllowed()
		}
		p.Query = q
		return nil
	}
	sum := QueryHash(p.Query)
	if sent && !strings.EqualFold(hash, sum) {
		return codedError("PERSISTED_QUERY_HASH_MISMATCH", "the persisted query hash is not the query's sha256")
	}
	if _, ok := s.queries[sum]; !ok {
		return notAllowed()
	}
	return nil
}

func notAllowed() *gqlerror.Error {
	return codedError("PERSISTED_QUERY_NOT_ALLOWED", "this gateway runs only registered operations, and this one is not registered")
}

// persistedOff refuses operations sent by hash alone when persisted
// queries are off, with the code clients know.
type persistedOff struct{}

func (persistedOff) ExtensionName() string                   { return "PersistedQueriesOff" }
func (persistedOff) Validate(graphql.ExecutableSchema) error { return nil }

func (persistedOff) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if _, sent := persistedHash(p.Extensions); sent && p.Query == "" {
		return codedError("PERSISTED_QUERY_NOT_SUPPORTED", "persisted queries are off on this gateway: send the query")
	}
	return nil
}

// persistedHash reads extensions.persistedQuery.sha256Hash.
func persistedHash(ext map[string]any) (string, bool) {
	pq, ok := ext["persistedQuery"].(map[string]any)
	if !ok {
		return "", false
	}
	h, ok := pq["sha256Hash"].(string)
	return h, ok && h != ""
}

// codedError is a request error with extensions.code.
func codedError(code, msg string) *gqlerror.Error {
	return &gqlerror.Error{Message: msg, Extensions: map[string]any{"code": code}}
}

package connectors

import (
	"context"
	"encoding/json"
)

// Eraser erases customers' records, for privacy (right to erasure)
// requests. It is a mutation: the gateway never retries a call by itself,
// though a privacy request asks again later after a failure, so erasing a
// key twice must be harmless.
type Eraser interface {
	// Erase erases the records of keys: out[i] answers keys[i]. A key the
	// system holds no record for (never did, or already erased) is not an
	// error: its result says Found false. An error fails the whole batch.
	Erase(ctx context.Context, keys []string) ([]EraseResult, error)
}

// EraseResult is what an erasure did to one key.
type EraseResult struct {
	// Found is true when the system held a record and erased it (or
	// anonymised it), false when it had none.
	Found bool
}

// Exporter exports customers' records, for privacy (right of access and
// portability) requests.
type Exporter interface {
	// Export returns out[i], everything the system holds about keys[i] as
	// one JSON document, nil when it holds nothing. An error fails the whole
	// batch.
	Export(ctx context.Context, keys []string) ([]json.RawMessage, error)
}

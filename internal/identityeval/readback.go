package identityeval

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"
)

// readBackBatch is how many identifiers one customersByIdentifiers call
// asks for: the field's maximum.
const readBackBatch = 100

const byIdentifiersQuery = `query($ids: [IdentifierInput!]!) { customersByIdentifiers(identifiers: $ids) { id } }`

// ReadBack is the read of every record's customer through the GraphQL API.
type ReadBack struct {
	Calls    int
	Total    time.Duration
	P50, P95 time.Duration // per call
	Max      time.Duration
	// Differ counts records whose answer is not the store's partition (a
	// null where the store knows a customer, or another customer).
	Differ int
	// Errors counts GraphQL errors in the answers.
	Errors int
}

type identifierInput struct {
	Kind   string `json:"kind"`
	Value  string `json:"value"`
	System string `json:"system"`
}

// readBack asks the gateway's handler, over HTTP on loopback, for every
// record's customer by its native key, 100 at a time, one call after the
// other, and compares the answers with want (the partition read from the
// store).
func readBack(ctx context.Context, handler http.Handler, pop *Population, want []string) (*ReadBack, error) {
	srv := httptest.NewServer(handler)
	defer srv.Close()
	rb := &ReadBack{}
	var took []time.Duration
	for start := 0; start < len(pop.Records); start += readBackBatch {
		end := min(start+readBackBatch, len(pop.Records))
		ids := make([]identifierInput, 0, end-start)
		for i := start; i < end; i++ {
			r := &pop.Records[i]
			ids = append(ids, identifierInput{Kind: "EXTERNAL_ID", Value: r.Key, System: r.System})
		}
		t0 := time.Now()
		got, nerr, err := customersByIdentifiers(ctx, srv.URL+"/graphql", ids)
		d := time.Since(t0)
		if err != nil {
			return nil, fmt.Errorf("read back records %d to %d: %w", start, end, err)
		}
		took = append(took, d)
		rb.Total += d
		rb.Errors += nerr
		for i, c := range got {
			if c != want[start+i] {
				rb.Differ++
			}
		}
	}
	rb.Calls = len(took)
	if len(took) > 0 {
		slices.Sort(took)
		rb.P50, rb.P95, rb.Max = took[len(took)/2], took[len(took)*95/100], took[len(took)-1]
	}
	return rb, nil
}

// customersByIdentifiers makes one call and returns the customer IDs in
// the order asked ("" for null) and the number of GraphQL errors.
func customersByIdentifiers(ctx context.Context, url string, ids []identifierInput) ([]string, int, error) {
	body, err := json.Marshal(map[string]any{"query": byIdentifiersQuery, "variables": map[string]any{"ids": ids}})
	if err != nil {
		return nil, 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	var out struct {
		Data struct {
			Customers []*struct{ ID string } `json:"customersByIdentifiers"`
		} `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, 0, fmt.Errorf("decode the answer: %w", err)
	}
	if len(out.Data.Customers) != len(ids) {
		return nil, len(out.Errors), fmt.Errorf("%d answers for %d identifiers (%d errors)", len(out.Data.Customers), len(ids), len(out.Errors))
	}
	ids2 := make([]string, len(ids))
	for i, c := range out.Data.Customers {
		if c != nil {
			ids2[i] = c.ID
		}
	}
	return ids2, len(out.Errors), nil
}

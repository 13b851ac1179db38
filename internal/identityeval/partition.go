package identityeval

import (
	"context"
	"fmt"
	"slices"

	"github.com/harmonyhq/harmony/internal/store"
)

// readChunk is how many identities one read of the store asks for.
const readChunk = 500

// readPartition reads, for every record, the customer its native key
// (an external_id identity of its system) belongs to in the store,
// following merges to the survivor; "" for a record the store does not
// know.
func readPartition(ctx context.Context, st *store.Store, pop *Population) ([]string, error) {
	out := make([]string, len(pop.Records))
	ids := make([]string, len(pop.Records))
	for i := range pop.Records {
		r := &pop.Records[i]
		ids[i] = store.IdentityID(store.KindExternalID, r.System, r.Key)
	}
	for start := 0; start < len(ids); start += readChunk {
		end := min(start+readChunk, len(ids))
		owners, err := st.Owners(ctx, ids[start:end])
		if err != nil {
			return nil, fmt.Errorf("read the records' owners: %w", err)
		}
		for i, o := range owners {
			if o != nil {
				out[start+i] = o.CustomerID
			}
		}
	}
	var customers []string
	for _, c := range out {
		if c != "" {
			customers = append(customers, c)
		}
	}
	slices.Sort(customers)
	customers = slices.Compact(customers)
	survivor := make(map[string]string, len(customers))
	for start := 0; start < len(customers); start += readChunk {
		part := customers[start:min(start+readChunk, len(customers))]
		resolved, err := st.Resolve(ctx, part)
		if err != nil {
			return nil, fmt.Errorf("resolve the customers: %w", err)
		}
		for i, c := range resolved {
			if c != nil {
				survivor[part[i]] = c.ID
			}
		}
	}
	for i, c := range out {
		if c != "" {
			out[i] = survivor[c]
		}
	}
	return out, nil
}

package identity

import (
	"context"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
)

// list reads every page of one source.
func (l *Linker) list(ctx context.Context, src *sources.Source, pol *Policy) ([]record, int, error) {
	size := l.PageSize
	if size <= 0 {
		size = 100
	}
	var out []record
	invalid := 0
	cursor := ""
	seen := map[string]bool{}
	for {
		page, err := src.ListProfiles(ctx, cursor, size)
		if err != nil {
			return nil, 0, err
		}
		for _, p := range page.Profiles {
			r, bad := reduce(src.Name(), p, pol)
			invalid += bad
			out = append(out, r)
		}
		if page.Next == "" {
			return out, invalid, nil
		}
		if seen[page.Next] {
			return nil, 0, connectors.Errorf(connectors.CodeBadResponse, "pagination repeats a cursor")
		}
		seen[page.Next] = true
		cursor = page.Next
	}
}

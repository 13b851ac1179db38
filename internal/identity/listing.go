package identity

import (
	"context"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
)

// CodeIncomplete is the failure code of a listing that ended without every
// record: fewer distinct records than the system's reported total, a record
// listed twice (the pages shifted under the listing, so others were
// skipped), or a cursor that repeats. Connector failures keep their own
// codes (connectors.CodeUnavailable, ...).
const CodeIncomplete connectors.Code = "LISTING_INCOMPLETE"

// failureCode is err's connector code, CodeInternal when it has none.
func failureCode(err error) connectors.Code {
	if code := connectors.CodeOf(err); code != "" {
		return code
	}
	return connectors.CodeInternal
}

// FailedSource is a source whose listing (Sync) or lookup (Lookup) failed,
// and why. It holds the connector's name and a code only, never data.
type FailedSource struct {
	Name string
	// Code is the connector failure's code (UPSTREAM_UNAVAILABLE, ...) or
	// CodeIncomplete.
	Code connectors.Code
}

// listAll lists every listing source (see listSource). A source whose
// listing fails is named in rep.Failed; the others are still listed, so
// that one sync reports every failure. It returns the records to link, and
// complete false when a failed source had no snapshot to stand in for it:
// the sync must then link nothing. It returns an error only when ctx ends.
func (l *Linker) listAll(ctx context.Context, rep *Report, pol *Policy) ([]record, bool, error) {
	var records []record
	complete := true
	for _, src := range l.Sources.With(connectors.CapListProfiles) {
		recs, listed, err := l.listSource(ctx, src, rep, pol)
		if err != nil {
			return nil, false, err
		}
		complete = complete && listed
		records = append(records, recs...)
	}
	rep.Records = len(records)
	return records, complete, nil
}

// list reads every page of one source, asking each for the source's page
// size (Linker.PageSize when set). The listing ends when the connector
// gives no next cursor; it is incomplete (CodeIncomplete) when a cursor
// repeats, when a record comes back twice, or when it ends with fewer
// distinct records than the last total the system reported.
//
// With since set, it lists only the records changed since then
// (connectors.ChangeLister).
func (l *Linker) list(ctx context.Context, src *sources.Source, pol *Policy, since time.Time) ([]record, unusable, error) {
	size := l.PageSize
	if size <= 0 {
		size = src.ListPageSize()
	}
	var out []record
	var u unusable
	cursor := ""
	cursors := map[string]bool{}
	keys := map[string]bool{}
	total := 0
	for {
		var page connectors.ProfilePage
		var err error
		if since.IsZero() {
			page, err = src.ListProfiles(ctx, cursor, size)
		} else {
			page, err = src.ListChangedProfiles(ctx, since, cursor, size)
		}
		if err != nil {
			return nil, u, err
		}
		if page.Total > 0 {
			total = page.Total
		}
		for _, p := range page.Profiles {
			if keys[p.Key] {
				return nil, u, connectors.Errorf(CodeIncomplete, "a record is listed twice: the pages shifted during the listing")
			}
			keys[p.Key] = true
			r, bad := reduceProfile(src.Name(), p, pol)
			// The store keeps milliseconds: a record reads the same
			// before and after a round trip through the snapshot.
			r.updated = r.updated.UTC().Truncate(time.Millisecond)
			u.invalid += bad.invalid
			u.unmapped += bad.unmapped
			out = append(out, r)
		}
		if page.Next == "" {
			break
		}
		if cursors[page.Next] || page.Next == cursor {
			return nil, u, connectors.Errorf(CodeIncomplete, "pagination repeats a cursor")
		}
		cursors[page.Next] = true
		cursor = page.Next
	}
	if len(keys) < total {
		return nil, u, connectors.Errorf(CodeIncomplete, "%d records listed of the %d the system reports", len(keys), total)
	}
	return out, u, nil
}

package sources

import (
	"context"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// ListsChanges reports whether the source can list only the records
// changed since a time (connectors.ChangeLister).
func (s *Source) ListsChanges() bool { return connectors.ListsChanges(s.conn) }

// ListChangedProfiles reads one page of the records changed at or after
// since, guarded as ListProfiles is.
func (s *Source) ListChangedProfiles(ctx context.Context, since time.Time, cursor string, limit int) (connectors.ProfilePage, error) {
	cl, ok := s.conn.(connectors.ChangeLister)
	if !ok || !cl.ListsChanges() || !s.Has(connectors.CapListProfiles) {
		return connectors.ProfilePage{}, s.unsupported(connectors.CapListProfiles)
	}
	var page connectors.ProfilePage
	err := s.call(ctx, connectors.CapListProfiles, limit, func(ctx context.Context) error {
		var err error
		page, err = cl.ListChangedProfiles(ctx, since, cursor, limit)
		if err == nil && len(page.Profiles) > limit {
			return connectors.Errorf(connectors.CodeBadResponse, "page of %d records for a limit of %d", len(page.Profiles), limit)
		}
		return err
	})
	return page, err
}

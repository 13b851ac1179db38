package connectors

import (
	"context"
	"time"
)

// ChangeLister is implemented by listers that can also list only the
// records changed since a time (an `updated_since` parameter, a modified
// timestamp filter), so that a periodic identity sync reads what changed
// instead of every record. The gateway keeps the rest from its last
// complete listing, and still lists everything now and then, which is how
// it learns of deleted records (see the identity docs).
type ChangeLister interface {
	ProfileLister
	// ListsChanges reports whether this instance can list changes: a kind
	// that implements the method for every instance answers from its
	// configuration.
	ListsChanges() bool
	// ListChangedProfiles is ListProfiles restricted to the records
	// created or updated at or after since, by the system's own clock.
	// Paging and its end are as for ListProfiles.
	ListChangedProfiles(ctx context.Context, since time.Time, cursor string, limit int) (ProfilePage, error)
}

// ListsChanges reports whether c can list the records changed since a time
// (see ChangeLister).
func ListsChanges(c Connector) bool {
	cl, ok := c.(ChangeLister)
	return ok && cl.ListsChanges()
}

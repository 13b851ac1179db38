package resolvers

import (
	"context"

	"github.com/harmonyhq/harmony/internal/automation"
	"github.com/harmonyhq/harmony/internal/store"
)

// publish delivers a stored activity (a recorded interaction, a sent
// message) to customerActivity subscribers and to the journey engines, as
// webhooks' events are. A failure is not the mutation's: the activity is
// stored.
func (r *Resolver) publish(ctx context.Context, a store.Activity) {
	if r.Bus == nil {
		return
	}
	_ = r.Bus.Publish(context.WithoutCancel(ctx), automation.PublishedEvent(a))
}

package gateway

import (
	"context"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// SQLCall is one read a sql connector served, as the gateway asked it: the
// bare fan-out runs the connector's configured query with these values.
type SQLCall struct {
	Connector  string                `json:"connector"`
	Capability connectors.Capability `json:"capability"`
	Keys       []string              `json:"keys"`
	Since      time.Time             `json:"since,omitzero"`
	Until      time.Time             `json:"until,omitzero"`
	Limit      int                   `json:"limit,omitempty"`
}

// sqlRecording wraps a sql connector: while the recorder is on, each read
// is noted before it is passed on. It serves the read capabilities only,
// which is all the benchmark asks of the point of sale.
type sqlRecording struct {
	name string
	conn connectors.Connector
	rec  *recorder
}

var (
	_ connectors.ProfileSource      = (*sqlRecording)(nil)
	_ connectors.ProfileLister      = (*sqlRecording)(nil)
	_ connectors.ListPageSizer      = (*sqlRecording)(nil)
	_ connectors.OrderSource        = (*sqlRecording)(nil)
	_ connectors.InteractionSource  = (*sqlRecording)(nil)
	_ connectors.CapabilityReporter = (*sqlRecording)(nil)
)

func (s *sqlRecording) Close() error { return s.conn.Close() }

// Capabilities are the wrapped connector's, less those it does not read.
func (s *sqlRecording) Capabilities() []connectors.Capability {
	reads := []connectors.Capability{connectors.CapProfiles, connectors.CapListProfiles, connectors.CapOrders, connectors.CapInteractions}
	return slices.DeleteFunc(connectors.Capabilities(s.conn), func(c connectors.Capability) bool { return !slices.Contains(reads, c) })
}

func (s *sqlRecording) note(c SQLCall) {
	c.Connector, c.Keys = s.name, slices.Clone(c.Keys)
	s.rec.noteSQL(c)
}

func (s *sqlRecording) Profiles(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	s.note(SQLCall{Capability: connectors.CapProfiles, Keys: keys})
	return s.conn.(connectors.ProfileSource).Profiles(ctx, keys)
}

func (s *sqlRecording) ListProfiles(ctx context.Context, cursor string, limit int) (connectors.ProfilePage, error) {
	return s.conn.(connectors.ProfileLister).ListProfiles(ctx, cursor, limit)
}

// ListPageSize is the wrapped connector's.
func (s *sqlRecording) ListPageSize() int { return connectors.ListPageSize(s.conn) }

func (s *sqlRecording) Orders(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	s.note(SQLCall{Capability: connectors.CapOrders, Keys: keys, Since: w.Since, Until: w.Until, Limit: w.Limit})
	return s.conn.(connectors.OrderSource).Orders(ctx, keys, w)
}

func (s *sqlRecording) Interactions(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Interaction, error) {
	s.note(SQLCall{Capability: connectors.CapInteractions, Keys: keys, Since: w.Since, Until: w.Until, Limit: w.Limit})
	return s.conn.(connectors.InteractionSource).Interactions(ctx, keys, w)
}

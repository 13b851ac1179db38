package run

import (
	"fmt"

	"github.com/harmonyhq/harmony/bench/internal/fanout"
	"github.com/harmonyhq/harmony/bench/internal/gateway"
	"github.com/harmonyhq/harmony/connectors"
	sqlconn "github.com/harmonyhq/harmony/connectors/sql"
	"github.com/harmonyhq/harmony/internal/config"
)

// statements turns the sql reads a gateway made into the statements its
// connectors ran: each connector's configured query, its named
// placeholders rewritten as the connector rewrites them, with the
// recorded keys, window and limit. Only PostgreSQL connectors are
// replayed; the DSN of the last one is returned for the pool.
func statements(cfg *config.Config, calls []gateway.SQLCall) ([]fanout.Statement, string, error) {
	reads := map[string]sqlconn.Config{}
	for _, cn := range cfg.Connectors {
		if cn.Kind != "sql" {
			continue
		}
		// The connector's own configuration type: the SDK decodes
		// strictly, so a partial struct would refuse the other keys.
		var r sqlconn.Config
		if err := cn.Config.Decode(&r); err != nil {
			return nil, "", fmt.Errorf("connector %s: %w", cn.Name, err)
		}
		reads[cn.Name] = r
	}
	var out []fanout.Statement
	dsn := ""
	for _, c := range calls {
		r, ok := reads[c.Connector]
		if !ok {
			return nil, "", fmt.Errorf("sql read of %s: no such sql connector", c.Connector)
		}
		if r.Driver != sqlconn.Postgres {
			return nil, "", fmt.Errorf("sql read of %s: the bare fan-out replays PostgreSQL only, not %s", c.Connector, r.Driver)
		}
		var query string
		switch c.Capability {
		case connectors.CapProfiles:
			query = queryOf(r.Profiles)
		case connectors.CapOrders:
			query = queryOf(r.Orders)
		case connectors.CapInteractions:
			query = queryOf(r.Interactions)
		default:
			return nil, "", fmt.Errorf("sql read of %s: capability %s is not replayed", c.Connector, c.Capability)
		}
		q, names, err := sqlconn.Rewrite(sqlconn.Postgres, query,
			[]string{sqlconn.PKeys, sqlconn.PSince, sqlconn.PUntil, sqlconn.PLimit})
		if err != nil {
			return nil, "", fmt.Errorf("sql read of %s %s: %w", c.Connector, c.Capability, err)
		}
		args := make([]any, len(names))
		for i, n := range names {
			switch n {
			case sqlconn.PKeys:
				args[i] = c.Keys
			case sqlconn.PSince:
				args[i] = timeArg(c.Since)
			case sqlconn.PUntil:
				args[i] = timeArg(c.Until)
			case sqlconn.PLimit:
				args[i] = int64(c.Limit)
			}
		}
		out = append(out, fanout.Statement{Query: q, Args: args})
		dsn = r.DSN.Reveal()
	}
	return out, dsn, nil
}

// timeArg binds a window bound as the connector does: NULL when unbounded.
func timeArg(t interface{ IsZero() bool }) any {
	if t.IsZero() {
		return nil
	}
	return t
}

// queryOf is a configured query's text, "" when it is not configured.
func queryOf(q *sqlconn.Query) string {
	if q == nil {
		return ""
	}
	return q.Query
}

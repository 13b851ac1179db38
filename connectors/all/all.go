// Package all registers Harmony's built-in connector kinds (rest, graphql,
// sql, mongodb). Import it for its side effect:
//
//	import _ "github.com/harmonyhq/harmony/connectors/all"
package all

import (
	_ "github.com/harmonyhq/harmony/connectors/graphql" // kind "graphql"
	_ "github.com/harmonyhq/harmony/connectors/mongodb" // kind "mongodb"
	_ "github.com/harmonyhq/harmony/connectors/rest"    // kind "rest"
	_ "github.com/harmonyhq/harmony/connectors/sql"     // kind "sql"
)

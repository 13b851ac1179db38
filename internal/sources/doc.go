// Package sources wraps every configured connector instance in one guard,
// the air gap between third-party connector code and the gateway. The guard
// dedupes and chunks keys to the connector's batch limit, bounds each
// upstream call with a timeout, recovers panics, checks that results line up
// with the keys asked, orders windowed results newest first and records
// metrics. Connector code stays the upstream call alone.
package sources

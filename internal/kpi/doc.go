// Package kpi computes the figures of a customer's relationship with the
// company, and their aggregates over a segment, from the orders and
// interactions the sources returned: orders, spend and lifetime value,
// first-response and resolution times, CSAT and NPS with their trend,
// campaign conversion, preferred and last contact channel. The definitions
// here are the ones the schema's descriptions (graph/schema/metrics.graphqls)
// and docs/journey.md promise; change them together.
//
// Nothing here reads a clock or a source: the caller passes the data and the
// time the figures are computed at, so the same input always gives the same
// figures.
package kpi

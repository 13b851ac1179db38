// Package analytics answers the analyst's questions over the whole
// population, not a sample: cohorts by first-order month and their
// retention, the repeat-purchase rate, churn risk (RFM) and engagement per
// customer, NPS and its monthly trend, CSAT, first-response time by
// channel, conversion by campaign and the channel mix, for every customer
// or a segment's members.
//
// It computes them from a projection held in memory: per-customer Facts,
// reduced from the orders and interactions the systems hold and the events
// Harmony stored. A Builder reads them after each identity sync, a page of
// customers at a time with one batched call per source and capability;
// the webhook events stored between builds are applied one at a time
// (Projection.Apply), so a figure reflects them on the next read. Analyze
// is one pass over the facts: 100,000 customers take well under a second
// (see docs/analytics.md and BenchmarkAnalyze).
//
// The definitions are the ones graph/schema/analytics.graphqls and
// docs/analytics.md state; change them together.
package analytics

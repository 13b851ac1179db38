// Package survivorship chooses each field of a customer's golden profile
// among the records its systems hold: by source priority, most recent
// update or most frequent value (DESIGN.md §4). It works on the SDK's
// profile records and answers with indices into them, so the GraphQL
// layer maps the choice onto its models and the rules know nothing of it.
package survivorship

// Package search keeps the search projection of every customer: the
// `search` sub-document of the profile store's customers (names, systems,
// orders and spend) that customer filters and segments query, since the
// channel systems cannot be asked "who is called Mar…" or "who spent 500 €"
// for all customers at once.
//
// The Indexer reads, a page of customers at a time, each source's profiles
// and orders in one batched call per source and capability (the guard
// chunks it to the connector's batch limit), and writes the page in one bulk
// write. A failing source freezes the fields it feeds for the customers it
// holds. Fold is the one name normalisation both the index and the queries
// use.
package search

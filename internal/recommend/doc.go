// Package recommend suggests products to a customer from what the whole
// population bought and viewed: item-to-item co-occurrence ("people who
// bought X also bought Y", "people who viewed X bought Y") over every
// customer's purchases in every order system (online and in store) and
// their product views in the app and on the website.
//
// The work is split so that a request costs microseconds:
//
//   - Build computes a Model (each item's nearest items, the popularity
//     order and the catalogue) from every customer's History. The Builder
//     does it off the request path, after each identity sync, reading every
//     order and interaction source in batches, and holds the newest Model
//     in memory.
//   - Model.Recommend scores one customer's own History (read on the
//     request path through the operation's loaders, so it is current and
//     batched with the customer's other fields) against that Model:
//     excluding what the customer bought recently and what is out of
//     catalogue, each suggestion with the item that caused it.
//
// Evaluate is the offline evaluation the tests run (hit rate at k with
// each customer's last order held out, against a popularity baseline).
package recommend

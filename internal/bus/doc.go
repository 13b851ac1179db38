// Package bus carries the events webhooks store to the subscribers that
// want them (GraphQL subscriptions such as customerActivity(customerId) and
// activity(filter)). An event is published after it is stored: the store is
// the record, the bus only tells who is listening, at most once.
//
// Two implementations share one interface. Local fans events out in
// process; NATS publishes them on a NATS subject so that every replica's
// subscribers see events any replica received, and fans them out locally
// the same way. Each subscriber has a bounded buffer: a subscriber that
// does not keep up loses its oldest events (counted, per subscription and
// in harmony_bus_dropped_events_total), so memory never grows with a slow
// reader.
package bus

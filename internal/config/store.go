package config

import "time"

// storeDefaults fills the store's cache and read bounds left out, sized
// for the embedded store or for MongoDB.
func (c *Config) storeDefaults() {
	st := &c.Store
	if st.Cache.MaxCustomers == 0 {
		st.Cache.MaxCustomers = DefaultStoreCacheCustomers
	}
	if st.Cache.TTL == 0 {
		st.Cache.TTL = DefaultStoreCacheTTL
		if !st.Embedded() && c.Bus.NATSURL.Reveal() == "" {
			st.Cache.TTL = DefaultStoreCacheTTLUnshared
		}
	}
	inFlight, queue, timeout := DefaultStoreInFlight, DefaultStoreQueue, DefaultStoreTimeout
	if st.Embedded() {
		inFlight, queue, timeout = DefaultEmbeddedStoreInFlight, DefaultEmbeddedStoreQueue, DefaultEmbeddedStoreTimeout
	}
	if st.MaxInFlight == 0 {
		st.MaxInFlight = inFlight
	}
	if st.MaxQueue == 0 {
		st.MaxQueue = queue
	}
	if st.QueueTimeout == 0 {
		st.QueueTimeout = timeout
	}
}

// validateStore checks the store's cache and read bounds.
func (c *Config) validateStore(bad func(int, string, string, ...any) error) error {
	st := c.Store
	switch {
	case st.Cache.MaxCustomers < 1 || st.Cache.MaxCustomers > 10_000_000:
		return bad(0, "store.cache.max_customers", "must be between 1 and 10000000")
	case st.Cache.TTL < time.Second || st.Cache.TTL > 24*time.Hour:
		return bad(0, "store.cache.ttl", "must be between 1s and 24h")
	case st.MaxInFlight < 1 || st.MaxInFlight > 1024:
		return bad(0, "store.max_in_flight", "must be between 1 and 1024")
	case st.MaxQueue < 1 || st.MaxQueue > 100_000:
		return bad(0, "store.max_queue", "must be between 1 and 100000")
	case st.QueueTimeout < 10*time.Millisecond || st.QueueTimeout > time.Minute:
		return bad(0, "store.queue_timeout", "must be between 10ms and 1m")
	}
	return nil
}

package config

import (
	"strings"
	"testing"
	"time"
)

func TestStoreDefaults(t *testing.T) {
	const conns = "connectors:\n  - name: crm\n    kind: configtest\n    config:\n      url: http://x\n"
	tests := []struct {
		name, file string
		want       Store
	}{
		{"embedded", conns, Store{Cache: StoreCache{MaxCustomers: 10_000, TTL: 5 * time.Minute},
			MaxInFlight: 4, MaxQueue: 256, QueueTimeout: time.Second}},
		{"mongodb without a bus: replicas would not hear each other", "store:\n  uri: mongodb://db:27017\n" + conns,
			Store{Cache: StoreCache{MaxCustomers: 10_000, TTL: 30 * time.Second}, MaxInFlight: 32, MaxQueue: 512, QueueTimeout: 2 * time.Second}},
		{"mongodb with nats", "store:\n  uri: mongodb://db:27017\nbus:\n  nats_url: nats://n:4222\n" + conns,
			Store{Cache: StoreCache{MaxCustomers: 10_000, TTL: 5 * time.Minute}, MaxInFlight: 32, MaxQueue: 512, QueueTimeout: 2 * time.Second}},
		{"set", "store:\n  cache: {max_customers: 50, ttl: 1m}\n  max_in_flight: 2\n  max_queue: 8\n  queue_timeout: 250ms\n" + conns,
			Store{Cache: StoreCache{MaxCustomers: 50, TTL: time.Minute}, MaxInFlight: 2, MaxQueue: 8, QueueTimeout: 250 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("cfg.yaml", []byte(tt.file), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			got := c.Store
			if got.Cache != tt.want.Cache || got.MaxInFlight != tt.want.MaxInFlight || got.MaxQueue != tt.want.MaxQueue ||
				got.QueueTimeout != tt.want.QueueTimeout {
				t.Errorf("store = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStoreErrors(t *testing.T) {
	const conns = "connectors:\n  - name: crm\n    kind: configtest\n    config:\n      url: http://x\n"
	tests := []struct{ name, store, want string }{
		{"cache size", "  cache: {max_customers: -1}\n", "cfg.yaml: store.cache.max_customers: must be between 1 and 10000000"},
		{"ttl too short", "  cache: {ttl: 10ms}\n", "cfg.yaml: store.cache.ttl: must be between 1s and 24h"},
		{"ttl too long", "  cache: {ttl: 48h}\n", "cfg.yaml: store.cache.ttl: must be between 1s and 24h"},
		{"in flight", "  max_in_flight: 5000\n", "cfg.yaml: store.max_in_flight: must be between 1 and 1024"},
		{"queue", "  max_queue: -3\n", "cfg.yaml: store.max_queue: must be between 1 and 100000"},
		{"queue timeout", "  queue_timeout: 1ms\n", "cfg.yaml: store.queue_timeout: must be between 10ms and 1m"},
		{"unknown key", "  cache: {size: 3}\n", "cfg.yaml:2: store.cache.size: unknown key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte("store:\n"+tt.store+conns), env(nil))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant prefix %s", err, tt.want)
			}
		})
	}
}

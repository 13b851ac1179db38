package server_test

import (
	"net"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisOrSkip returns the address of the test Redis (HARMONY_TEST_REDIS_ADDR,
// default 127.0.0.1:6379). Without one the test is skipped, unless CI is
// set: CI runs Redis, so there its absence fails.
func redisOrSkip(t *testing.T) string {
	t.Helper()
	addr := os.Getenv("HARMONY_TEST_REDIS_ADDR")
	if addr == "" {
		addr = "127.0.0.1:6379"
	}
	c, err := (&net.Dialer{Timeout: time.Second}).DialContext(t.Context(), "tcp", addr)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("redis at %s: %v", addr, err)
		}
		t.Skipf("no redis at %s: %v", addr, err)
	}
	_ = c.Close()
	return addr
}

func redisClient(addr string) *redis.Client { return redis.NewClient(&redis.Options{Addr: addr}) }

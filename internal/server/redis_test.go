package server_test

import (
	"github.com/redis/go-redis/v9"
)

func redisClient(addr string) *redis.Client { return redis.NewClient(&redis.Options{Addr: addr}) }

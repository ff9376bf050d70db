package keepaliveredis_test

import (
	"context"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveredis"
)

// A client whose commands, BLPOP included, fail within 10s of the
// server's host vanishing, with an error keepalive.IsPeerGone
// recognises.
func ExampleOptions() {
	o, err := redis.ParseURL("redis://localhost:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	c := redis.NewClient(keepaliveredis.Options(o, keepalive.Within(10*time.Second)))
	defer c.Close()
	if _, err := c.BLPop(context.Background(), 0, "jobs").Result(); keepalive.IsPeerGone(err) {
		log.Print("the Redis server is gone: reconnecting")
	}
}

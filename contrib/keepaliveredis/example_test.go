package keepaliveredis_test

import (
	"context"
	"log"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveredis"
)

// A client whose commands, BLPOP included, fail soon after the server's
// host vanished (BLPOP within 10s, a GET within twice the Config's 8s
// bound), with an error keepalive.IsPeerGone recognises.
func ExampleConfigure() {
	o, err := redis.ParseURL("redis://localhost:6379/0")
	if err != nil {
		log.Fatal(err)
	}
	// With go-redis's retries and timeouts left zero, Configure bounds them
	// too: a command to a vanished host fails within twice the bound.
	if err := keepaliveredis.Configure(o, keepalive.Within(10*time.Second)); err != nil {
		log.Fatal(err)
	}
	c := redis.NewClient(o)
	defer c.Close()
	if _, err := c.BLPop(context.Background(), 0, "jobs").Result(); keepalive.IsPeerGone(err) {
		log.Print("the Redis server is gone: reconnecting")
	}
}

// Command redis pings a Redis server through a go-redis client whose
// connections carry a keep-alive Config, set through redis.Options.Dialer.
//
//	go run ./redis -addr 127.0.0.1:6379
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tcpkeepalive/keepalive"
)

// newClient returns a client for addr whose connections carry cfg; seen,
// if not nil, is shown each connection.
func newClient(addr string, cfg keepalive.Config, seen func(net.Conn)) *redis.Client {
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	return redis.NewClient(&redis.Options{
		Addr: addr,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, addr)
			if err == nil && seen != nil {
				seen(c)
			}
			return c, err
		},
	})
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "Redis server")
	cfg := keepalive.Within(10 * time.Second)
	flag.TextVar(&cfg, "keepalive", cfg, "keep-alive settings")
	flag.Parse()
	client := newClient(*addr, cfg, nil)
	defer client.Close()
	pong, err := client.Ping(context.Background()).Result()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pong)
}

package keepaliveredis_test

// A real redis-server in the server's namespace, go-redis in the
// client's, the server's host vanishing (the router drops everything).
// Needs root; run alone with
//
//	sudo go test -count=1 -v -run TestIntegration .

import (
	"context"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveredis"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

const within = 5 * time.Second

var serverAddr = net.JoinHostPort(netns.PeerAddr, "6379")

// client is go-redis as the call's user has it: with the integration's
// dialer, or with go-redis's own.
func client(addr string, with bool, o redis.Options) *redis.Client {
	o.Addr = addr
	if with {
		keepaliveredis.Options(&o, keepalive.Within(within))
	}
	return redis.NewClient(&o)
}

// The calls, each played by the test binary in the client's namespace.
var calls = map[string]netns.CallFunc{}

func init() {
	for _, with := range []bool{true, false} {
		suffix := map[bool]string{true: "", false: "-without"}[with]
		// BLPOP key 0 waits for ever: go-redis sets no read deadline
		// for a blocking command without a timeout.
		calls["blpop"+suffix] = func(addr string, inflight func()) error {
			c := client(addr, with, redis.Options{})
			defer c.Close()
			if err := c.Ping(context.Background()).Err(); err != nil {
				return err
			}
			inflight()
			return c.BLPop(context.Background(), 0, "queue").Err()
		}
		// Pipelines written one after the other, busy; go-redis's 5s
		// ReadTimeout and its retries are off, as for a client whose
		// commands may take long: the call measured is the one on the
		// connection whose peer vanished.
		calls["pipeline"+suffix] = func(addr string, inflight func()) error {
			c := client(addr, with, redis.Options{ReadTimeout: -1, WriteTimeout: -1, MaxRetries: -1})
			defer c.Close()
			value := strings.Repeat("x", 1024)
			for i := 0; ; i++ {
				p := c.Pipeline()
				for range 100 {
					p.Set(context.Background(), "key", value, 0)
				}
				if _, err := p.Exec(context.Background()); err != nil {
					return err
				}
				if i == 0 {
					inflight()
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
}

// startRedis runs redis-server in the server's namespace and waits until
// it accepts connections.
func startRedis(t *testing.T, n *netns.Network) {
	path := redisServer(t)
	p := n.Exec(n.Peer, netns.Command{
		Args: []string{path, "--bind", netns.PeerAddr, "--port", "6379", "--save", "", "--appendonly", "no",
			"--protected-mode", "no", "--dir", os.TempDir()},
		User: "redis",
	})
	p.ExpectContaining("Ready to accept connections", 20*time.Second)
}

func TestIntegrationDeadServer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	startRedis(t, n)
	start := func(name string) *netns.Process { return n.StartCall(n.Client, name, serverAddr) }
	n.CutAndCheck(t, keepalive.Within(within), within, []netns.Case{
		{Name: "BLPOP waiting", With: start("blpop"), Without: start("blpop-without"), Gone: "keepalive"},
		{Name: "pipeline being written", With: start("pipeline"), Without: start("pipeline-without"), Gone: "keepalive"},
	})
}

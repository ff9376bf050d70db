package keepaliveredis_test

// keepaliveredis's Configure on a lossy path to a live redis-server:
// random loss each way (internal/netns Loss), pooled connections idle
// 1.5s to 3s between commands, keep-alive probes after 1s idle. Every
// connection the pools throw away is needless. Run alone with
//
//	sudo go test -count=1 -v -run TestIntegrationLossyPool .
//
// scripts/error-rates runs it longer, at each loss.

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tcpkeepalive/keepalive/contrib/keepaliveredis"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func init() {
	for _, checked := range []bool{true, false} {
		name := map[bool]string{true: "churn", false: "churn-without"}[checked]
		calls[name] = func(arg string, inflight func()) error {
			addr, d, err := netns.ParseChurnArg(arg)
			if err != nil {
				return err
			}
			var dials atomic.Int64
			var clients []*redis.Client
			defer func() {
				for _, c := range clients {
					c.Close()
				}
			}()
			for range netns.ChurnWorkers {
				o := redis.Options{Addr: addr, PoolSize: 1, MinIdleConns: 0}
				if checked {
					keepaliveredis.Configure(&o, netns.LossConfig)
				} else {
					o.Dialer = keepaliveredis.DialerWithoutCheck(netns.LossConfig, 5*time.Second, nil)
				}
				dial := o.Dialer
				o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
					dials.Add(1)
					return dial(ctx, network, addr)
				}
				c := redis.NewClient(&o)
				clients = append(clients, c)
				if err := c.Ping(context.Background()).Err(); err != nil {
					return err
				}
			}
			inflight()
			netns.WaitForCut() // the loss is on
			netns.ChurnFor(d, func() int { return int(dials.Load()) }, func(ctx context.Context, w int) error {
				return clients[w].Incr(ctx, "churn").Err()
			})
			return nil
		}
	}
}

// TestIntegrationLossyPool: at 20% loss each way (the CI run; more
// levels and longer runs through scripts/error-rates), go-redis's pool
// through keepaliveredis throws away next to no live connection, and
// its callers see no more errors than without the check.
func TestIntegrationLossyPool(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	netns.NeedNFT(t)
	startRedis(t, n)
	levels, d := netns.LossRun([]int{20}, 20*time.Second)
	for _, loss := range levels {
		got := n.RunChurn(t, []string{"churn", "churn-without"}, serverAddr, loss, d)
		netns.CheckChurn(t, "keepaliveredis", loss, got["churn"], got["churn-without"])
	}
}

package keepaliveredis_test

// keepaliveredis's Options on a lossy path to a live redis-server:
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
	netns.ChurnCalls(calls, func(addr string, d time.Duration, checked bool, inflight func()) error {
		var dials atomic.Int64
		open := func() (netns.Pool, error) {
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
			return churnPool{redis.NewClient(&o)}, nil
		}
		return netns.ChurnPools(d, open, func() int { return int(dials.Load()) }, inflight)
	})
}

// churnPool is a go-redis client of one connection as a churn's Pool.
type churnPool struct{ *redis.Client }

func (p churnPool) Ping(ctx context.Context) error  { return p.Client.Ping(ctx).Err() }
func (p churnPool) Query(ctx context.Context) error { return p.Incr(ctx, "churn").Err() }

// TestIntegrationLossyPool: at 20% loss each way (the CI run; more
// levels and longer runs through scripts/error-rates), go-redis's pool
// through keepaliveredis throws away next to no live connection, and
// its callers see no more errors than without the check.
func TestIntegrationLossyPool(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	netns.NeedNFT(t)
	startRedis(t, n)
	n.LossyPool(t, "keepaliveredis", serverAddr)
}

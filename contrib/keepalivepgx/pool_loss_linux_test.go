package keepalivepgx_test

// CheckBeforeAcquire on a lossy path to a live PostgreSQL server: random
// loss each way (internal/netns Loss), pooled connections idle 1.5s to
// 3s between queries, keep-alive probes after 1s idle. Every connection
// the pool throws away is needless. Run alone with
//
//	sudo go test -count=1 -v -run TestIntegrationLossyPool .
//
// scripts/error-rates runs it longer, at each loss.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func init() {
	for _, hook := range []bool{true, false} {
		name := map[bool]string{true: "churn", false: "churn-without"}[hook]
		calls[name] = func(arg string, inflight func()) error {
			addr, d, err := netns.ParseChurnArg(arg)
			if err != nil {
				return err
			}
			c := netns.LossConfig
			pc, err := keepalivepgx.ParsePoolConfig(fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable&keepalives=1&keepalives_idle=%d&keepalives_interval=%d&keepalives_count=%d&tcp_user_timeout=%d",
				addr, c.Idle/time.Second, c.Interval/time.Second, c.Count, c.UserTimeout/time.Millisecond))
			if err != nil {
				return err
			}
			if hook {
				keepalivepgx.CheckBeforeAcquire(pc)
			}
			pc.MaxConns = 1
			var pools []*pgxpool.Pool
			defer func() {
				for _, p := range pools {
					p.Close()
				}
			}()
			for range netns.ChurnWorkers {
				p, err := pgxpool.NewWithConfig(context.Background(), pc.Copy())
				if err != nil {
					return err
				}
				pools = append(pools, p)
				if err := p.Ping(context.Background()); err != nil {
					return err
				}
			}
			inflight()
			netns.WaitForCut() // the loss is on
			dials := func() (n int) {
				for _, p := range pools {
					n += int(p.Stat().NewConnsCount())
				}
				return n
			}
			netns.ChurnFor(d, dials, func(ctx context.Context, w int) error {
				_, err := pools[w].Exec(ctx, "SELECT 1")
				return err
			})
			return nil
		}
	}
}

// TestIntegrationLossyPool: at 20% loss each way (the CI run; more
// levels and longer runs through scripts/error-rates), the pool with
// CheckBeforeAcquire throws away next to no live connection, and its
// callers see no more errors than without it.
func TestIntegrationLossyPool(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	netns.NeedNFT(t)
	addr := n.StartPostgres(t)
	levels, d := netns.LossRun([]int{20}, 20*time.Second)
	for _, loss := range levels {
		got := n.RunChurn(t, []string{"churn", "churn-without"}, addr, loss, d)
		netns.CheckChurn(t, "keepalivepgx", loss, got["churn"], got["churn-without"])
	}
}

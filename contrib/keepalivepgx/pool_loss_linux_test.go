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
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func init() {
	netns.ChurnCalls(calls, func(addr string, d time.Duration, hook bool, inflight func()) error {
		pc, err := keepalivepgx.ParsePoolConfig(netns.PostgresURL(addr)+netns.LibpqKeys(netns.LossConfig), keepalive.Config{})
		if err != nil {
			return err
		}
		if hook {
			keepalivepgx.CheckBeforeAcquire(pc)
		}
		pc.MaxConns = 1
		var pools []*pgxpool.Pool
		open := func() (netns.Pool, error) {
			p, err := pgxpool.NewWithConfig(context.Background(), pc.Copy())
			if err != nil {
				return nil, err
			}
			pools = append(pools, p)
			return churnPool{p}, nil
		}
		dials := func() (n int) {
			for _, p := range pools {
				n += int(p.Stat().NewConnsCount())
			}
			return n
		}
		return netns.ChurnPools(d, open, dials, inflight)
	})
}

// churnPool is a pgxpool of one connection as a churn's Pool.
type churnPool struct{ *pgxpool.Pool }

func (p churnPool) Query(ctx context.Context) error {
	_, err := p.Exec(ctx, "SELECT 1")
	return err
}

func (p churnPool) Close() error {
	p.Pool.Close()
	return nil
}

// TestIntegrationLossyPool: at 20% loss each way (the CI run; more
// levels and longer runs through scripts/error-rates), the pool with
// CheckBeforeAcquire throws away next to no live connection, and its
// callers see no more errors than without it.
func TestIntegrationLossyPool(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	netns.NeedNFT(t)
	n.LossyPool(t, "keepalivepgx", n.StartPostgres(t))
}

// forgetCfg's first probe comes after the middlebox forgot the flow
// (natTimeout): the pooled connection becomes a suspect whose ping
// cannot be answered, while the server is there for a new connection.
var forgetCfg = keepalive.Config{Idle: 3 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 6 * time.Second}

const natTimeout = 2 * time.Second

func init() {
	for _, hook := range []bool{true, false} {
		name := map[bool]string{true: "forgotten", false: "forgotten-without"}[hook]
		calls[name] = func(addr string, inflight func()) error {
			pc, err := keepalivepgx.ParsePoolConfig(netns.PostgresURL(addr)+"&connect_timeout=2"+netns.LibpqKeys(forgetCfg), keepalive.Config{})
			if err != nil {
				return err
			}
			if hook {
				keepalivepgx.CheckBeforeAcquire(pc)
			}
			pc.MaxConns = 1
			var dials netns.Dials
			dial := pc.ConnConfig.DialFunc
			pc.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
				conn, err := dial(ctx, network, addr)
				if err == nil {
					dials.Add(conn)
				}
				return conn, err
			}
			p, err := pgxpool.NewWithConfig(context.Background(), pc)
			if err != nil {
				return err
			}
			defer p.Close()
			if err := p.Ping(context.Background()); err != nil {
				return err
			}
			if err := netns.AwaitUnanswered(dials.First()); err != nil {
				return err
			}
			inflight()
			_, err = p.Exec(context.Background(), "SELECT 1")
			// pgconn's cancel request for the failed ping dials too.
			if n := dials.Count(); err == nil && n < 2 {
				return fmt.Errorf("the query succeeded with %d connection dialed, want a fresh one", n)
			}
			return err
		}
	}
}

// TestIntegrationPoolForgotten: a NAT gateway forgot the pooled
// connection's flow (internal/netns Middlebox), the server is there. With
// CheckBeforeAcquire the suspect's ping goes unanswered for a few RTOs,
// and the query succeeds on a fresh connection within a second; without,
// pgxpool's ping waits for the kernel's user timeout first.
func TestIntegrationPoolForgotten(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	addr := n.StartPostgres(t)
	n.Middlebox(netns.Middlebox{IdleTimeout: natTimeout})
	with, without := n.StartCall(n.Client, "forgotten", addr), n.StartCall(n.Client, "forgotten-without", addr)
	o, err := with.Outcome(30 * time.Second)
	require.NoError(t, err)
	t.Logf("with CheckBeforeAcquire: the query took %v: %q", o.Elapsed.Round(time.Millisecond), o.Err)
	assert.Empty(t, o.Err)
	assert.Less(t, o.Elapsed, time.Second, "a fresh connection within a second")
	o, err = without.Outcome(30 * time.Second)
	require.NoError(t, err)
	t.Logf("without: the query took %v: %q", o.Elapsed.Round(time.Millisecond), o.Err)
	assert.Greater(t, o.Elapsed, 2*time.Second, "pgxpool's ping waits for the kernel")
}

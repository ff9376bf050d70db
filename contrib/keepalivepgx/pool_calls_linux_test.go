package keepalivepgx_test

// The calls TestIntegrationPoolCheck runs in the client namespace: pools
// with and without CheckBeforeAcquire, counting their pings.

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// pingConn counts the pings pgxpool sends on a connection: pgconn's
// Ping is the simple query "-- ping" (pgx v5.12, pgconn.PgConn.Ping).
type pingConn struct {
	net.Conn
	pings *atomic.Int64
}

func (c pingConn) Write(b []byte) (int, error) {
	if strings.Contains(string(b), "-- ping") {
		c.pings.Add(1)
	}
	return c.Conn.Write(b)
}

func (c pingConn) NetConn() net.Conn { return c.Conn }

// tracker tracks checkedPool's connections, in the process of a call.
var tracker = keepalive.NewTracker(keepalive.TrackerOptions{})

// poolCounts returns tracker's counts as a call prints them: checks kept,
// confirmed and discarded; discards and closes for eof; discards
// unanswered.
func poolCounts() string {
	var sum keepalive.Counts
	tracker.PeerCounts(func(c *keepalive.Counts) bool {
		for i := range c.PoolChecks {
			sum.PoolChecks[i] += c.PoolChecks[i]
		}
		sum.PoolDiscards[keepalive.CauseEOF] += c.PoolDiscards[keepalive.CauseEOF]
		sum.Gone[keepalive.CauseEOF] += c.Gone[keepalive.CauseEOF]
		sum.PoolDiscards[keepalive.CauseUnanswered] += c.PoolDiscards[keepalive.CauseUnanswered]
		return true
	})
	return fmt.Sprint(sum.PoolChecks[keepalive.PoolKept], sum.PoolChecks[keepalive.PoolConfirmed], sum.PoolChecks[keepalive.PoolDiscarded],
		sum.PoolDiscards[keepalive.CauseEOF], sum.Gone[keepalive.CauseEOF], sum.PoolDiscards[keepalive.CauseUnanswered])
}

// checkedPool is pool (libpq's keys for cfg, one connection, pinged
// once) with CheckBeforeAcquire if hook, counting its pings.
func checkedPool(addr string, hook bool) (*pgxpool.Pool, *atomic.Int64, error) {
	pc, err := keepalivepgx.ParsePoolConfig(connString(addr, true), keepalive.Config{}, keepalive.WithTracker(tracker))
	if err != nil {
		return nil, nil, err
	}
	if hook {
		keepalivepgx.CheckBeforeAcquire(pc)
	}
	pings := new(atomic.Int64)
	dial := pc.ConnConfig.DialFunc
	pc.ConnConfig.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return pingConn{c, pings}, nil
	}
	p, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, nil, err
	}
	if err := p.Ping(context.Background()); err != nil {
		p.Close()
		return nil, nil, err
	}
	pings.Store(0)
	return p, pings, nil
}

// unanswered is how long after the cut the idle connection is used: a
// keep-alive probe has gone unanswered (cfg: idle 1s, interval 1s), and
// the kernel has not yet dropped the connection (user timeout 4s).
const unanswered = 2500 * time.Millisecond

func init() {
	for _, hook := range []bool{true, false} {
		suffix := map[bool]string{true: "", false: "-without"}[hook]
		// A live server: three queries, each on the pool's connection
		// idle more than a second, so that pgxpool pings it first.
		calls["pool-pings"+suffix] = func(addr string, inflight func()) error {
			p, pings, err := checkedPool(addr, hook)
			if err != nil {
				return err
			}
			defer p.Close()
			inflight()
			for range 3 {
				time.Sleep(1100 * time.Millisecond)
				if _, err := p.Exec(context.Background(), "SELECT 1"); err != nil {
					return err
				}
			}
			fmt.Printf("pings %d %d\n", pings.Load(), p.Stat().NewConnsCount())
			return nil
		}
		// A live server that ended the connection's backend (FIN): the
		// pool's idle connection used once the FIN arrived.
		calls["pool-terminated"+suffix] = func(addr string, inflight func()) error {
			p, pings, err := checkedPool(addr, hook)
			if err != nil {
				return err
			}
			defer p.Close()
			inflight()
			c, err := p.Acquire(context.Background())
			if err != nil {
				return err
			}
			pid := c.Conn().PgConn().PID()
			c.Release()
			other, err := pgx.Connect(context.Background(), connString(addr, false))
			if err != nil {
				return err
			}
			defer other.Close(context.Background())
			// The timeout makes it wait until the backend has exited
			// (PostgreSQL 14 and later), its socket closed.
			if _, err := other.Exec(context.Background(), "SELECT pg_terminate_backend($1, 10000)", pid); err != nil {
				return err
			}
			time.Sleep(200 * time.Millisecond) // the FIN's way
			pings.Store(0)
			start := time.Now()
			_, err = p.Exec(context.Background(), "SELECT 1")
			took := time.Since(start)
			fmt.Printf("counts %s\n", poolCounts()) // before acquired, which the test reads last
			fmt.Printf("acquired %d %d\n", took.Milliseconds(), pings.Load())
			return err
		}
		// A vanished server: the pool's idle connection used once a
		// probe has gone unanswered.
		calls["pool-check"+suffix] = func(addr string, inflight func()) error {
			p, pings, err := checkedPool(addr, hook)
			if err != nil {
				return err
			}
			inflight()
			netns.WaitForCut()
			time.Sleep(unanswered)
			start := time.Now()
			_, err = p.Exec(context.Background(), "SELECT 1")
			took := time.Since(start)
			fmt.Printf("counts %s\n", poolCounts())
			fmt.Printf("acquired %d %d\n", took.Milliseconds(), pings.Load())
			return err
		}
		// A restarted server: the pool's idle connection, whose backend
		// died with the server, used once the server is back.
		calls["pool-restart"+suffix] = func(addr string, inflight func()) error {
			p, pings, err := checkedPool(addr, hook)
			if err != nil {
				return err
			}
			inflight()
			netns.WaitForCut()
			netns.WaitForCut() // the second signal: restarted, and the path is back
			start := time.Now()
			_, err = p.Exec(context.Background(), "SELECT 1")
			fmt.Printf("acquired %d %d\n", time.Since(start).Milliseconds(), pings.Load())
			return err
		}
	}
}

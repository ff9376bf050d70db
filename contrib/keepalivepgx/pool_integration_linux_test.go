package keepalivepgx_test

// CheckBeforeAcquire against a real PostgreSQL server, in the
// namespaces of integration_linux_test.go. Run alone with
//
//	sudo go test -count=1 -v -run TestIntegrationPoolCheck .

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// uncut undoes netns.Network.Cut: the router forwards again.
func uncut(t *testing.T, n *netns.Network) {
	t.Helper()
	for _, addr := range []string{netns.PeerAddr, netns.ClientAddr} {
		out, err := exec.Command("ip", "-n", n.Router, "route", "del", "blackhole", addr+"/32").CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
}

func TestIntegrationPoolCheck(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	_, restart := n.StartRestartablePostgres(t)
	addr := net.JoinHostPort(netns.PeerAddr, "5432")
	start := func(name string) *netns.Process { return n.StartCall(n.Client, name, addr) }

	// The pings a live server is spared.
	with, without := start("pool-pings"), start("pool-pings-without")
	// pings reads how many pings a call sent and how many connections
	// its pool opened.
	pings := func(p *netns.Process) (pings, conns int) {
		_, err := fmt.Sscan(p.Expect("pings", 30*time.Second), &pings, &conns)
		require.NoError(t, err)
		o, err := p.Outcome(5 * time.Second)
		require.NoError(t, err)
		require.Empty(t, o.Err)
		return pings, conns
	}
	pw, cw := pings(with)
	pwo, cwo := pings(without)
	t.Logf("live server, 3 queries on a connection idle 1.1s: %d pings and %d connection(s) with CheckBeforeAcquire, %d and %d without", pw, cw, pwo, cwo)
	assert.Equal(t, 0, pw)
	assert.Equal(t, 1, cw, "CheckBeforeAcquire destroyed a live connection")
	assert.Equal(t, 3, pwo)

	// acquired reads what a call printed: how long its Exec took and
	// how many pings it sent; want is "error" for a call that must fail
	// (peer gone), "ok" for one that must succeed, "" for a baseline.
	acquired := func(name string, p *netns.Process, want string) (time.Duration, int) {
		var ms, pings int
		_, err := fmt.Sscan(p.Expect("acquired", 30*time.Second), &ms, &pings)
		require.NoError(t, err)
		o, err := p.Outcome(5 * time.Second)
		require.NoError(t, err)
		d := time.Duration(ms) * time.Millisecond
		t.Logf("%s: Exec returned %v after it began, %d pings: %q peer-gone=%v", name, d, pings, o.Err, o.PeerGone)
		switch want {
		case "error":
			assert.NotEmpty(t, o.Err, "%s: no error from a vanished server", name)
			assert.True(t, o.PeerGone, "%s: keepalive.IsPeerGone(%q) = false", name, o.Err)
		case "ok":
			assert.Empty(t, o.Err, "%s: no fresh connection", name)
		}
		return d, pings
	}

	// A backend ended by the server, its FIN arrived: the connection,
	// idle less than a second, is not pinged; pgxpool alone hands it out
	// (pgx v5.12: the query fails with the server's FATAL 57P01).
	with, without = start("pool-terminated"), start("pool-terminated-without")
	var kept, confirmed, discarded, eofDiscards, eofGone, noAnswer int
	counts := func(p *netns.Process) {
		_, err := fmt.Sscan(p.Expect("counts", 30*time.Second), &kept, &confirmed, &discarded, &eofDiscards, &eofGone, &noAnswer)
		require.NoError(t, err)
	}
	counts(with)
	t.Logf("terminated, with CheckBeforeAcquire: the tracker counted %d checks kept, %d confirmed, %d discarded (%d for eof), %d eof closes", kept, confirmed, discarded, eofDiscards, eofGone)
	assert.Positive(t, kept, "the live connection's checkouts")
	assert.Zero(t, confirmed)
	assert.Equal(t, 1, discarded, "the terminated connection")
	assert.Equal(t, 1, eofDiscards)
	assert.Equal(t, 1, eofGone, "its close, once")
	assert.Zero(t, noAnswer)
	_, pw = acquired("terminated, with CheckBeforeAcquire", with, "ok")
	acquired("terminated, without", without, "")
	assert.Equal(t, 0, pw, "CheckBeforeAcquire pinged a connection whose FIN arrived")

	// A vanished server.
	with, without = start("pool-check"), start("pool-check-without")
	for _, p := range []*netns.Process{with, without} {
		p.Expect("inflight", 30*time.Second)
	}
	time.Sleep(500 * time.Millisecond)
	n.Cut()
	for _, p := range []*netns.Process{with, without} {
		require.NoError(t, p.Signal(syscall.SIGUSR1))
	}
	counts(with)
	t.Logf("vanished, with CheckBeforeAcquire: the tracker counted %d checks kept, %d confirmed, %d discarded (%d unanswered)", kept, confirmed, discarded, noAnswer)
	assert.Zero(t, confirmed)
	assert.Equal(t, 1, discarded, "the suspect whose ping went unanswered")
	assert.Equal(t, 1, noAnswer)
	dw, pw := acquired("vanished, with CheckBeforeAcquire", with, "error")
	dwo, pwo := acquired("vanished, without", without, "error")
	assert.Equal(t, 1, pw, "CheckBeforeAcquire pings the suspect once")
	assert.Equal(t, 1, pwo, "pgxpool's ping on the dead connection")
	assert.Less(t, dw, dwo, "the suspect's ping waits a few RTOs, not for the kernel")

	// The server restarted while its host was unreachable, and back.
	uncut(t, n)
	with, without = start("pool-restart"), start("pool-restart-without")
	for _, p := range []*netns.Process{with, without} {
		p.Expect("inflight", 30*time.Second)
	}
	time.Sleep(500 * time.Millisecond)
	n.Cut()
	signal := func() {
		for _, p := range []*netns.Process{with, without} {
			require.NoError(t, p.Signal(syscall.SIGUSR1))
		}
	}
	signal()
	time.Sleep(unanswered)
	restart()
	uncut(t, n)
	signal()
	_, pw = acquired("restarted, with CheckBeforeAcquire", with, "ok")
	_, pwo = acquired("restarted, without", without, "ok")
	// Its probes were unanswered during the cut: a suspect, pinged,
	// unless a probe met the restarted server's reset first.
	assert.LessOrEqual(t, pw, 1, "CheckBeforeAcquire pings the suspect at most once")
	assert.Equal(t, 1, pwo, "pgxpool's ping on the dead connection")

	// The kernel declared the idle connection gone (its user timeout,
	// 4s, passed while the path was cut), and the path is back: the
	// connection is never handed out, nor pinged; a fresh one serves.
	with, without = start("pool-restart"), start("pool-restart-without")
	for _, p := range []*netns.Process{with, without} {
		p.Expect("inflight", 30*time.Second)
	}
	time.Sleep(500 * time.Millisecond)
	n.Cut()
	signal()
	time.Sleep(cfg.UserTimeout + 2*time.Second)
	uncut(t, n)
	signal()
	_, pw = acquired("declared gone, with CheckBeforeAcquire", with, "ok")
	acquired("declared gone, without", without, "ok")
	assert.Equal(t, 0, pw, "CheckBeforeAcquire pinged a connection the kernel declared gone")
}

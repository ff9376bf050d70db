package sqlcheck_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
	"github.com/tcpkeepalive/keepalive/internal/sqlcheck"
)

// fakeDriver dials a loopback listener for each connection, as a real
// driver's dial function would, and reports the connection through
// sqlcheck.Dialed.
type fakeDriver struct {
	addr    string
	tracker *keepalive.Tracker // tracks each connection, if set
	mu      sync.Mutex
	conns   []net.Conn // every connection dialed, in order
}

func (d *fakeDriver) Connect(ctx context.Context) (driver.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, err
	}
	sqlcheck.Dialed(ctx, c)
	if d.tracker != nil {
		if err := d.tracker.Track(c); err != nil {
			c.Close()
			return nil, err
		}
	}
	d.mu.Lock()
	d.conns = append(d.conns, c)
	d.mu.Unlock()
	return &fakeConn{c}, nil
}

func (d *fakeDriver) Driver() driver.Driver { return nil }

func (d *fakeDriver) dialed() []net.Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]net.Conn(nil), d.conns...)
}

type fakeConn struct{ c net.Conn }

func (c *fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("no statements") }
func (c *fakeConn) Close() error                        { return c.c.Close() }
func (c *fakeConn) Begin() (driver.Tx, error)           { return nil, errors.New("no transactions") }
func (c *fakeConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(0), nil
}

// Ping is the driver's round trip: a byte out, a byte back.
func (c *fakeConn) Ping(context.Context) error {
	if _, err := c.c.Write([]byte{'p'}); err != nil {
		return err
	}
	_, err := c.c.Read(make([]byte, 1))
	return err
}

// echo serves connections that answer each byte with one, or, if mute,
// never answer.
func echo(t *testing.T, mute bool) string {
	t.Helper()
	return sockettest.Serve(t, func(c net.Conn) {
		buf := make([]byte, 1)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			if !mute {
				c.Write(buf)
			}
		}
	})
}

// listen serves connections that are never answered, left open until
// the test ends.
func listen(t *testing.T) string {
	t.Helper()
	return sockettest.Serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })
}

// closed reports whether c was closed (by database/sql, through the
// driver's Close).
func closed(c net.Conn) bool {
	_, err := c.Write([]byte{0})
	return errors.Is(err, net.ErrClosed)
}

func TestRejectedConnectionIsReplaced(t *testing.T) {
	d := &fakeDriver{addr: listen(t)}
	var mu sync.Mutex
	var rejected net.Conn
	var checked []net.Conn
	db := sql.OpenDB(sqlcheck.Connector(d, func(c net.Conn) error {
		mu.Lock()
		defer mu.Unlock()
		checked = append(checked, c)
		if c == rejected {
			return errors.New("rejected")
		}
		return nil
	}))
	defer db.Close()

	_, err := db.Exec("first")
	require.NoError(t, err)
	require.Len(t, d.dialed(), 1)
	first := d.dialed()[0]
	mu.Lock()
	assert.Equal(t, []net.Conn{first}, checked, "checked when it came back to the pool")
	rejected = first
	mu.Unlock()

	// database/sql takes the pooled connection, the check rejects it, and
	// the query goes on with a new one.
	_, err = db.Exec("second")
	require.NoError(t, err)
	require.Len(t, d.dialed(), 2)
	assert.True(t, closed(first), "the rejected connection is closed")
	assert.False(t, closed(d.dialed()[1]))

	_, err = db.Exec("third")
	require.NoError(t, err)
	assert.Len(t, d.dialed(), 2, "a healthy pooled connection is reused")
}

func TestHealthyConnectionIsReused(t *testing.T) {
	d := &fakeDriver{addr: listen(t)}
	calls := 0
	db := sql.OpenDB(sqlcheck.Connector(d, func(net.Conn) error { calls++; return nil }))
	defer db.Close()
	for range 3 {
		_, err := db.Exec("q")
		require.NoError(t, err)
	}
	assert.Len(t, d.dialed(), 1)
	assert.Equal(t, 5, calls, "on each return to the pool (3) and each reuse (2)")
}

func TestDialedOutsideConnect(t *testing.T) {
	c, p := net.Pipe()
	defer c.Close()
	defer p.Close()
	sqlcheck.Dialed(context.Background(), c) // does nothing, does not panic
}

// With keepalive.Check, on real sockets: the server closes its side of a
// pooled connection (its FIN arrives while the connection is idle), and
// the next query goes on with a new connection.
func TestCheckClosedByServer(t *testing.T) {
	addr, accepted := sockettest.Accepting(t)
	d := &fakeDriver{addr: addr}
	db := sql.OpenDB(sqlcheck.Connector(d, keepalive.Check))
	defer db.Close()

	_, err := db.Exec("first")
	require.NoError(t, err)
	require.NoError(t, (<-accepted).Close())
	first := d.dialed()[0]
	require.Eventually(t, func() bool { return keepalive.Check(first) != nil }, 5*time.Second, 10*time.Millisecond, "the FIN arrives")

	_, err = db.Exec("second")
	require.NoError(t, err)
	assert.Len(t, d.dialed(), 2)
	assert.True(t, closed(first), "the connection the server closed is closed")
}

// A system that cannot check (plan9, js/wasm) keeps its connections.
func TestUnsupportedCheckKeeps(t *testing.T) {
	d := &fakeDriver{addr: listen(t)}
	db := sql.OpenDB(sqlcheck.Connector(d, func(net.Conn) error {
		return fmt.Errorf("check: %w", errors.ErrUnsupported)
	}))
	defer db.Close()
	for range 3 {
		_, err := db.Exec("q")
		require.NoError(t, err)
	}
	assert.Len(t, d.dialed(), 1)
}

// A suspect (keepalive.ErrUnanswered) is pinged on checkout: kept if the
// server answers, closed and replaced if it does not answer within the
// deadline the connection's own RTO gives (on loopback about 0.8s; with
// no deadline the silent server would hold the test).
func TestSuspectConfirmed(t *testing.T) {
	for _, tt := range []struct {
		name  string
		mute  bool
		dials int
	}{
		{"answers: kept", false, 1},
		{"silent: replaced", true, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			d := &fakeDriver{addr: echo(t, tt.mute), tracker: tr}
			var suspicious atomic.Bool
			db := sql.OpenDB(sqlcheck.Connector(d, func(net.Conn) error {
				if suspicious.Load() {
					return fmt.Errorf("check: %w", keepalive.ErrUnanswered)
				}
				return nil
			}))
			defer db.Close()
			_, err := db.Exec("first")
			require.NoError(t, err)
			suspicious.Store(true) // from now on: on its return too
			start := time.Now()
			_, err = db.Exec("second")
			took := time.Since(start)
			require.NoError(t, err)
			assert.Len(t, d.dialed(), tt.dials)
			assert.Equal(t, tt.mute, closed(d.dialed()[0]))
			if tt.mute {
				assert.GreaterOrEqual(t, took, 4*200*time.Millisecond, "four RTOs of loopback's 200ms")
			}
			// The second checkout: confirmed, or discarded as unanswered
			// (the first Exec's connection was new: no checkout check).
			var want keepalive.Counts
			if tt.mute {
				want.PoolChecks[keepalive.PoolDiscarded] = 1
				want.PoolDiscards[keepalive.CauseUnanswered] = 1
			} else {
				want.PoolChecks[keepalive.PoolConfirmed] = 1
			}
			assert.Equal(t, want, counts(t, tr))
		})
	}
}

// A suspect coming back to the pool is kept, not pinged.
func TestSuspectKeptOnReturn(t *testing.T) {
	d := &fakeDriver{addr: echo(t, true)}
	db := sql.OpenDB(sqlcheck.Connector(d, func(net.Conn) error { return keepalive.ErrUnanswered }))
	defer db.Close()
	start := time.Now()
	_, err := db.Exec("only")
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 500*time.Millisecond)
	assert.False(t, closed(d.dialed()[0]))
}

// counts sums tr's counts over its peers, Peer left empty.
func counts(t *testing.T, tr *keepalive.Tracker) keepalive.Counts {
	t.Helper()
	return sockettest.SumCounts(t, tr)
}

// TestChecksReported: with keepalive.Check on tracked connections, on
// real sockets, each checkout's decision reaches the Tracker: a healthy
// pooled connection counts as kept (its return to the pool is not a
// check), one the server reset as discarded for a reset, and its close
// is counted once.
func TestChecksReported(t *testing.T) {
	addr, accepted := sockettest.Accepting(t)
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	d := &fakeDriver{addr: addr, tracker: tr}
	db := sql.OpenDB(sqlcheck.Connector(d, keepalive.Check))
	defer db.Close()

	_, err := db.Exec("first") // dialed: no checkout check
	require.NoError(t, err)
	assert.Equal(t, keepalive.Counts{}, counts(t, tr))
	_, err = db.Exec("second")
	require.NoError(t, err)
	var want keepalive.Counts
	want.PoolChecks[keepalive.PoolKept] = 1
	assert.Equal(t, want, counts(t, tr), "the pooled connection checked and kept")

	server := <-accepted
	require.NoError(t, server.(*net.TCPConn).SetLinger(0))
	require.NoError(t, server.Close()) // RST
	time.Sleep(100 * time.Millisecond) // the reset reaches the idle socket; reading it would take it
	_, err = db.Exec("third")
	require.NoError(t, err)
	assert.Len(t, d.dialed(), 2)
	want.PoolChecks[keepalive.PoolDiscarded] = 1
	want.PoolDiscards[keepalive.CauseReset] = 1
	want.Gone[keepalive.CauseReset] = 1
	assert.Equal(t, want, counts(t, tr), "the reset connection discarded, its close counted once")
}

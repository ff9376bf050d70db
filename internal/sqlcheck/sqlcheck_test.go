package sqlcheck_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
	"github.com/tcpkeepalive/keepalive/internal/tracktest"
)

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
			assert.Equal(t, want, tracktest.Counts(t, tr))
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
	assert.Equal(t, keepalive.Counts{}, tracktest.Counts(t, tr))
	_, err = db.Exec("second")
	require.NoError(t, err)
	var want keepalive.Counts
	want.PoolChecks[keepalive.PoolKept] = 1
	assert.Equal(t, want, tracktest.Counts(t, tr), "the pooled connection checked and kept")

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
	assert.Equal(t, want, tracktest.Counts(t, tr), "the reset connection discarded, its close counted once")
}

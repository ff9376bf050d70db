package keepalive_test

import (
	"context"
	"crypto/tls"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// TestTrackerEveryWayIn tracks connections accepted by Listen and by a
// WrapListener, and one behind a *tls.Conn handed to Track.
func TestTrackerEveryWayIn(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln, err := tr.Listen(context.Background(), "tcp", "127.0.0.1:0", sockettest.Config)
	require.NoError(t, err)
	defer ln.Close()
	_, fromListen := pair(t, ln, nil)
	wrapped := tr.Listener(keepalive.WrapListener(listen(t, nil), sockettest.Config))
	_, fromWrap := pair(t, wrapped, nil)
	assert.Equal(t, fromWrap.LocalAddr(), wrapped.Addr())
	plain, _ := pair(t, listen(t, nil), nil)
	require.NoError(t, tr.Track(tls.Client(plain, &tls.Config{InsecureSkipVerify: true})))
	require.NoError(t, tr.Track(plain), "tracking again is no error")
	assert.Equal(t, 3, tr.Len())
	got := collect(t, tr)
	for _, c := range []*net.TCPConn{fromListen, fromWrap, plain} {
		r, ok := got[local(c)]
		require.True(t, ok, "%v not tracked", c.LocalAddr())
		k := sockettest.ReadKernel(t, c)
		assert.Equal(t, keepalive.Config{Idle: k.Idle, Interval: k.Interval, Count: k.Count, UserTimeout: max(k.UserTimeout, 0)}.Timeout(), r.Bound)
	}
}

// TestTrackerDialOptionOrder dials with WithTracker before and after
// WithKeepalive, and with a Control hook of the Dialer's own: each
// connection is tracked and holds the Config.
func TestTrackerDialOptionOrder(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := listen(t, nil)
	var own int
	withControl := &net.Dialer{Control: func(string, string, syscall.RawConn) error { own++; return nil }}
	for _, tc := range []struct {
		name string
		d    *net.Dialer
	}{
		{"tracker first", keepalive.NewDialer(keepalive.WithTracker(tr), keepalive.WithKeepalive(sockettest.Config))},
		{"tracker last", keepalive.NewDialer(keepalive.WithKeepalive(sockettest.Config), keepalive.WithTracker(tr))},
		{"keepalive twice", keepalive.NewDialer(keepalive.WithTracker(tr), keepalive.WithKeepalive(keepalive.Config{}), keepalive.WithKeepalive(sockettest.Config))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tr.Len()
			c, _ := pair(t, ln, tc.d)
			assert.Equal(t, before+1, tr.Len())
			assert.Equal(t, sockettest.Ours, sockettest.ReadKernel(t, c))
		})
	}
	keepalive.WithTracker(tr)(withControl)
	before := tr.Len()
	pair(t, ln, withControl)
	assert.Equal(t, before+1, tr.Len())
	assert.Equal(t, 1, own, "the Dialer's own Control still runs")
}

// ownRawConn is a connection whose RawConn is its own, as a module's
// wrapper that changes Read has it; NetConn gives the socket, or, if
// loop, the wrapper itself.
type ownRawConn struct {
	net.Conn
	loop bool
}

type wrappedRawConn struct{ syscall.RawConn }

func (c *ownRawConn) SyscallConn() (syscall.RawConn, error) {
	rc, err := c.Conn.(syscall.Conn).SyscallConn()
	return wrappedRawConn{rc}, err
}

func (c *ownRawConn) NetConn() net.Conn {
	if c.loop {
		return c
	}
	return c.Conn
}

// TestTrackerSeesThroughOwnRawConn tracks a connection behind a
// syscall.Conn wrapper whose RawConn is not package net's, by its
// NetConn, and counts a report about the wrapper; a NetConn chain that
// loops is refused.
func TestTrackerSeesThroughOwnRawConn(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	c, _ := pair(t, listen(t, nil), nil)
	w := &ownRawConn{Conn: c}
	require.NoError(t, tr.Track(w))
	assert.Equal(t, 1, tr.Len())
	keepalive.ReportPoolCheck(w, keepalive.PoolKept, nil)
	assert.Equal(t, [3]uint64{1, 0, 0}, peerCounts(t, tr)["127.0.0.1"].PoolChecks)

	err := tr.Track(&ownRawConn{Conn: c, loop: true})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not package net's")
}

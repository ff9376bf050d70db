package keepalive_test

import (
	"context"
	"io"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// collect returns a copy of every reading of tr, by local address.
func collect(t *testing.T, tr *keepalive.Tracker) map[netip.AddrPort]keepalive.Reading {
	t.Helper()
	m := map[netip.AddrPort]keepalive.Reading{}
	require.NoError(t, tr.Collect(context.Background(), func(r *keepalive.Reading) bool {
		m[r.LocalAddr] = *r
		return true
	}))
	return m
}

func local(c net.Conn) netip.AddrPort { return c.LocalAddr().(*net.TCPAddr).AddrPort() }

// TestTrackerReadsTheKernel tracks a dialed, an accepted and a Set
// connection and compares each reading with TCP_INFO and the settings
// the test reads itself.
func TestTrackerReadsTheKernel(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := tr.Listener(listen(t, listenConfig(sockettest.Config)))
	d := keepalive.NewDialer(keepalive.WithKeepalive(sockettest.Config), keepalive.WithTracker(tr))
	dialed, accepted := pair(t, ln, d)
	other, peer := pair(t, listen(t, nil), nil)
	_ = peer
	require.NoError(t, tr.Set(other, sockettest.Config))

	got := collect(t, tr)
	require.Len(t, got, 3)
	for _, c := range []*net.TCPConn{dialed, accepted, other} {
		r, ok := got[local(c)]
		require.True(t, ok, "no reading for %v", c.LocalAddr())
		info := sockettest.TCPInfo(t, c)
		k := sockettest.ReadKernel(t, c)
		assert.Equal(t, keepalive.TCPEstablished, r.State)
		assert.Equal(t, keepalive.VerdictLive, r.Verdict)
		assert.Equal(t, c.RemoteAddr().(*net.TCPAddr).AddrPort(), r.PeerAddr)
		assert.Equal(t, "127.0.0.1", r.Peer)
		assert.Equal(t, int(info.Probes), r.Probes)
		assert.Equal(t, int(info.Retransmits), r.Retransmissions)
		assert.Equal(t, int(info.Unacked), r.Unacked)
		assert.InDelta(t, float64(info.Rtt), float64(r.RTT/time.Microsecond), float64(info.Rtt)+1000, "RTT")
		assert.Equal(t, time.Duration(info.Rto)*time.Microsecond, r.RTO)
		assert.Less(t, r.SinceReceived, 10*time.Second)
		// The bound of the settings the test read from the kernel.
		want := keepalive.Config{Idle: k.Idle, Interval: k.Interval, Count: k.Count, UserTimeout: k.UserTimeout}.Timeout()
		assert.Equal(t, want, r.Bound, "bound of %+v", k)
	}
}

// TestTrackerConnUnchanged checks that a tracked dial and accept give
// Go's own *net.TCPConn, whose options the caller can still set.
func TestTrackerConnUnchanged(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := tr.Listener(listen(t, nil))
	dialed, accepted := pair(t, ln, keepalive.NewDialer(keepalive.WithTracker(tr)))
	require.Equal(t, 2, tr.Len())
	for _, c := range []*net.TCPConn{dialed, accepted} {
		rc, err := c.SyscallConn()
		require.NoError(t, err)
		require.NoError(t, rc.Control(func(fd uintptr) {
			require.NoError(t, syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, 0x12, 4321)) // TCP_USER_TIMEOUT
		}))
		assert.Equal(t, 4321*time.Millisecond, sockettest.ReadKernel(t, c).UserTimeout)
	}
}

// TestTrackerVerdicts reads a connection whose peer closed (FIN) and one
// the peer reset, and checks that Check counts each close once.
func TestTrackerVerdicts(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	ln := listen(t, nil)
	fin, finPeer := pair(t, ln, d)
	reset, resetPeer := pair(t, ln, d)
	require.NoError(t, finPeer.Close())
	require.NoError(t, resetPeer.SetLinger(0))
	require.NoError(t, resetPeer.Close())
	require.Eventually(t, func() bool {
		got := collect(t, tr)
		return got[local(fin)].Verdict == keepalive.VerdictClosedByPeer && got[local(reset)].Verdict == keepalive.VerdictGone
	}, 5*time.Second, 10*time.Millisecond)
	// Collect took no pending error: Check still gets ECONNRESET.
	err := keepalive.Check(reset)
	require.ErrorIs(t, err, syscall.ECONNRESET)
	require.ErrorIs(t, keepalive.Check(fin), io.EOF)
	for range 3 {
		keepalive.Check(reset)
		keepalive.Check(fin)
		keepalive.ReportError(fin, io.EOF)
	}
	c := peerCounts(t, tr)["127.0.0.1"]
	assert.Equal(t, uint64(1), c.Gone[keepalive.CauseReset])
	assert.Equal(t, uint64(1), c.Gone[keepalive.CauseEOF])
	assert.Equal(t, uint64(0), c.Gone[keepalive.CauseTimeout])
	h := tr.GoneAfter()
	assert.Equal(t, uint64(1), h.Count, "the reset is observed, the FIN is not")
}

// TestTrackerReleasesClosed tracks many short-lived connections and
// checks that nothing is left once they are closed, with no collection.
func TestTrackerReleasesClosed(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := tr.Listener(listen(t, nil))
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	for range 200 {
		a, b := pair(t, ln, d)
		a.Close()
		b.Close()
	}
	require.NoError(t, tr.Collect(context.Background(), nil))
	assert.Equal(t, 0, tr.Len())
}

package keepalive_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// collect returns a copy of every reading of tr, by local address (the
// connections accepted by one listener share theirs: one of them).
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
	inspected, inspectedPeer := pair(t, ln, d)
	require.NoError(t, finPeer.Close())
	require.NoError(t, resetPeer.SetLinger(0))
	require.NoError(t, resetPeer.Close())
	require.NoError(t, inspectedPeer.SetLinger(0))
	require.NoError(t, inspectedPeer.Close())
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
	require.Eventually(t, func() bool {
		h, err := keepalive.Inspect(inspected)
		require.NoError(t, err)
		return h.State == keepalive.TCPClosed
	}, 5*time.Second, 10*time.Millisecond)
	c := peerCounts(t, tr)["127.0.0.1"]
	assert.Equal(t, uint64(2), c.Gone[keepalive.CauseReset], "by Check and by Inspect")
	assert.Equal(t, uint64(1), c.Gone[keepalive.CauseEOF])
	assert.Equal(t, uint64(0), c.Gone[keepalive.CauseTimeout])
	h := tr.GoneAfter()
	assert.Equal(t, uint64(2), h.Count, "the resets are observed, the FIN is not")
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

// TestTrackerPeerCap names two peer hosts of three and counts the third
// under OtherPeers.
func TestTrackerPeerCap(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{MaxPeers: 2})
	defer tr.Close()
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	var conns []*net.TCPConn
	for _, host := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		ln, err := net.Listen("tcp", host+":0")
		require.NoError(t, err)
		t.Cleanup(func() { ln.Close() })
		c, _ := pair(t, ln, d)
		conns = append(conns, c)
	}
	peers := map[string]int{}
	for _, r := range collect(t, tr) {
		peers[r.Peer]++
	}
	assert.Equal(t, map[string]int{"127.0.0.1": 1, "127.0.0.2": 1, keepalive.OtherPeers: 1}, peers)
	keepalive.ReportPoolCheck(conns[2], keepalive.PoolDiscarded, keepalive.ErrUnanswered)
	keepalive.ReportPoolCheck(conns[0], keepalive.PoolKept, nil)
	var names []string
	counts := map[string]keepalive.Counts{}
	require.NoError(t, tr.PeerCounts(func(c *keepalive.Counts) bool {
		names = append(names, c.Peer)
		counts[c.Peer] = *c
		return true
	}))
	assert.Equal(t, []string{"127.0.0.1", "127.0.0.2", keepalive.OtherPeers}, names)
	assert.Equal(t, uint64(1), counts[keepalive.OtherPeers].PoolDiscards[keepalive.CauseUnanswered])
	assert.Equal(t, uint64(1), counts[keepalive.OtherPeers].PoolChecks[keepalive.PoolDiscarded])
	assert.Equal(t, uint64(1), counts["127.0.0.1"].PoolChecks[keepalive.PoolKept])
}

// TestTrackerReports checks the counts and events of pool checks and
// of the closes modules report, and that untracked connections are not
// counted.
func TestTrackerReports(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	var events []keepalive.Event
	cancel := tr.Subscribe(func(e keepalive.Event) { events = append(events, e) })
	defer cancel()
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	ln := listen(t, nil)
	a, _ := pair(t, ln, d)
	b, _ := pair(t, ln, d)
	untracked, _ := pair(t, ln, nil)

	keepalive.ReportPoolCheck(a, keepalive.PoolConfirmed, keepalive.ErrUnanswered)
	keepalive.ReportPoolCheck(a, keepalive.PoolDiscarded, &net.OpError{Op: "read", Err: syscall.ETIMEDOUT})
	keepalive.ReportError(a, syscall.ECONNRESET) // counted once already, as a timeout
	keepalive.ReportError(b, &net.OpError{Op: "write", Err: os.NewSyscallError("write", syscall.EPIPE)})
	keepalive.ReportError(untracked, syscall.ETIMEDOUT)
	keepalive.ReportPoolCheck(untracked, keepalive.PoolKept, nil)
	keepalive.ReportError(b, errors.New("not a close"))

	c := peerCounts(t, tr)["127.0.0.1"]
	assert.Equal(t, [5]uint64{1, 1, 0, 0, 0}, c.Gone)
	assert.Equal(t, [3]uint64{0, 1, 1}, c.PoolChecks)
	assert.Equal(t, [5]uint64{1, 0, 0, 0, 0}, c.PoolDiscards)
	require.Len(t, events, 4)
	assert.Equal(t, keepalive.Event{Kind: keepalive.EventPoolCheck, Peer: "127.0.0.1", Outcome: keepalive.PoolConfirmed, SinceReceived: -1}, events[0])
	assert.Equal(t, keepalive.EventGone, events[2].Kind)
	assert.Equal(t, keepalive.CauseTimeout, events[2].Cause)
	assert.GreaterOrEqual(t, events[2].SinceReceived, time.Duration(0), "read from TCP_INFO")
	assert.Equal(t, keepalive.CauseReset, events[3].Cause)
	h := tr.GoneAfter()
	assert.Equal(t, uint64(2), h.Count)
	assert.Equal(t, uint64(2), h.Buckets[len(h.Buckets)-1])
	cancel()
	keepalive.ReportPoolCheck(a, keepalive.PoolKept, nil)
	assert.Len(t, events, 4, "no event after cancel")
}

// TestTrackerCollectAllocatesNothing counts allocations per collection
// of 100 tracked connections.
func TestTrackerCollectAllocatesNothing(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := listen(t, nil)
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	for range 100 {
		pair(t, ln, d)
	}
	n := 0
	f := func(*keepalive.Reading) bool { n++; return true }
	ctx := context.Background()
	require.NoError(t, tr.Collect(ctx, f)) // reads the settings once
	allocs := testing.AllocsPerRun(10, func() { require.NoError(t, tr.Collect(ctx, f)) })
	assert.Equal(t, 1200, n)
	assert.Zero(t, allocs)
}

// TestTrackerNoGoroutine: tracking, collecting and releasing 500
// connections (dialed and accepted, both ends tracked) starts no
// goroutine.
func TestTrackerNoGoroutine(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	ln := tr.Listener(listen(t, nil))
	d := keepalive.NewDialer(keepalive.WithKeepalive(sockettest.Config), keepalive.WithTracker(tr))
	before := runtime.NumGoroutine()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range 250 { // dial, then accept from the backlog: no goroutine of the test's
		c, err := d.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		a, err := ln.Accept()
		require.NoError(t, err)
		conns = append(conns, c, a)
	}
	require.Equal(t, 500, tr.Len())
	require.NoError(t, tr.Collect(context.Background(), nil))
	// At most as many: one of an earlier test may end meanwhile.
	assert.LessOrEqual(t, runtime.NumGoroutine(), before, "goroutines while 500 connections are tracked")
	for _, c := range conns {
		c.Close()
	}
	require.NoError(t, tr.Collect(context.Background(), nil))
	assert.Zero(t, tr.Len())
	assert.LessOrEqual(t, runtime.NumGoroutine(), before)
}

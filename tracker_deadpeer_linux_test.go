package keepalive_test

import (
	"context"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// TestIntegrationTrackerDeadPeer makes a tracked connection's peer
// vanish (the router drops everything) and follows it through
// collections: live, suspect once a probe goes unanswered, gone when the
// kernel gives up; then Check takes the kernel's ETIMEDOUT and the
// Tracker counts one timeout, with the time since the last packet.
func TestIntegrationTrackerDeadPeer(t *testing.T) {
	n := netns.New(t)
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	cfg := keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 3}
	var ln net.Listener
	err := netns.In(n.Peer, func() (err error) { ln, err = net.Listen("tcp", netns.PeerAddr+":0"); return err })
	require.NoError(t, err)
	defer ln.Close()
	var c net.Conn
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg), keepalive.WithTracker(tr))
	err = netns.In(n.Client, func() (err error) { c, err = d.Dial("tcp", ln.Addr().String()); return err })
	require.NoError(t, err)
	defer c.Close()
	a, err := ln.Accept()
	require.NoError(t, err)
	defer a.Close()
	_, err = c.Write([]byte("x"))
	require.NoError(t, err)
	_, err = a.Read(make([]byte, 1))
	require.NoError(t, err)

	verdict := func() keepalive.Reading {
		var got keepalive.Reading
		require.NoError(t, tr.Collect(context.Background(), func(r *keepalive.Reading) bool { got = *r; return true }))
		return got
	}
	r := verdict()
	require.Equal(t, keepalive.VerdictLive, r.Verdict)
	assert.Equal(t, netns.PeerAddr, r.Peer)
	assert.Equal(t, 3*time.Second+time.Second, r.Bound)
	n.Cut()
	cut := time.Now()
	var suspectAt, goneAt time.Duration
	for time.Since(cut) < 10*time.Second && goneAt == 0 {
		time.Sleep(20 * time.Millisecond)
		switch r := verdict(); r.Verdict {
		case keepalive.VerdictSuspect:
			if suspectAt == 0 {
				suspectAt = time.Since(cut)
				assert.Positive(t, r.Probes)
			}
		case keepalive.VerdictGone:
			goneAt = time.Since(cut)
		}
	}
	t.Logf("after the cut: suspect at %v, gone at %v (bound %v)", suspectAt, goneAt, cfg.Timeout())
	require.NotZero(t, suspectAt, "never suspect")
	require.NotZero(t, goneAt, "never gone")
	assert.Less(t, suspectAt, goneAt)
	assert.Greater(t, goneAt, cfg.Timeout()*3/4)

	err = keepalive.Check(c)
	require.ErrorIs(t, err, syscall.ETIMEDOUT, "the collections left the kernel's error to Check")
	keepalive.ReportError(c, &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ETIMEDOUT)})
	counts := peerCounts(t, tr)[netns.PeerAddr]
	assert.Equal(t, [5]uint64{1, 0, 0, 0, 0}, counts.Gone)
	h := tr.GoneAfter()
	require.Equal(t, uint64(1), h.Count)
	assert.GreaterOrEqual(t, h.Sum, cfg.Timeout()*3/4)
	assert.Less(t, h.Sum, cfg.Timeout()+3*time.Second)
}

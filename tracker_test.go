package keepalive_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	kernelerr "github.com/tcpkeepalive/keepalive/internal/kernel"
)

// peerCounts returns tr's counts by peer.
func peerCounts(t *testing.T, tr *keepalive.Tracker) map[string]keepalive.Counts {
	t.Helper()
	m := map[string]keepalive.Counts{}
	require.NoError(t, tr.PeerCounts(func(c *keepalive.Counts) bool {
		m[c.Peer] = *c
		return true
	}))
	return m
}

// TestTrackerRefuses tracks what cannot be tracked.
func TestTrackerRefuses(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	dialed, _ := pair(t, listen(t, nil), nil)
	require.NoError(t, dialed.Close())
	for _, tc := range []struct {
		name string
		conn net.Conn
		want error
	}{
		{"nil", nil, nil},
		{"nil TCPConn", (*net.TCPConn)(nil), nil},
		{"pipe", p1, nil},
		{"closed", dialed, net.ErrClosed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tr.Track(tc.conn)
			require.Error(t, err)
			var oe *net.OpError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, "track", oe.Op)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
			}
			keepalive.ReportError(tc.conn, io.EOF)
			keepalive.ReportPoolCheck(tc.conn, keepalive.PoolDiscarded, io.EOF)
		})
	}
	assert.Zero(t, tr.Len())
}

func TestTrackerNames(t *testing.T) {
	var names []string
	for _, v := range keepalive.Verdicts {
		names = append(names, v.String())
	}
	for _, c := range keepalive.Causes {
		names = append(names, c.String())
	}
	for _, o := range keepalive.PoolOutcomes {
		names = append(names, o.String())
	}
	assert.Equal(t, []string{"live", "suspect", "gone", "closed_by_peer", "timeout", "reset", "eof", "unanswered", "other", "kept", "confirmed", "discarded"}, names)
	assert.Len(t, keepalive.GoneAfterBounds(), len(keepalive.Histogram{}.Buckets))
}

func TestGoneCause(t *testing.T) {
	for _, tc := range []struct {
		err   error
		cause keepalive.Cause
		ok    bool
	}{
		{nil, 0, false},
		{errors.New("x"), 0, false},
		{keepalive.ErrUnanswered, 0, false},
		{net.ErrClosed, 0, false},
		{io.EOF, keepalive.CauseEOF, true},
		{fmt.Errorf("read: %w", io.EOF), keepalive.CauseEOF, true},
	} {
		c, ok := keepalive.GoneCause(tc.err)
		assert.Equal(t, tc.ok, ok, "%v", tc.err)
		assert.Equal(t, tc.cause, c, "%v", tc.err)
	}
	// Each peer-gone error is a reset or a timeout as the kernel package
	// says, through the wrapping net adds.
	for _, gone := range kernelerr.PeerGone {
		want := keepalive.CauseTimeout
		if gone.Reset {
			want = keepalive.CauseReset
		}
		c, ok := keepalive.GoneCause(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", gone.Err)})
		assert.True(t, ok, gone.Name)
		assert.Equal(t, want, c, gone.Name)
	}
}

// TestTrackerCollects runs on every system: a tracked pair is read, with
// the addresses of each end.
func TestTrackerCollects(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	dialed, accepted := pair(t, tr.Listener(listen(t, nil)), keepalive.NewDialer(keepalive.WithTracker(tr)))
	peers := map[netip.AddrPort]netip.AddrPort{}
	require.NoError(t, tr.Collect(context.Background(), func(r *keepalive.Reading) bool {
		peers[r.LocalAddr] = r.PeerAddr
		assert.Equal(t, "127.0.0.1", r.Peer)
		assert.NotEqual(t, keepalive.VerdictGone, r.Verdict)
		return true
	}))
	addr := func(a net.Addr) netip.AddrPort { return a.(*net.TCPAddr).AddrPort() }
	assert.Equal(t, map[netip.AddrPort]netip.AddrPort{
		addr(dialed.LocalAddr()):   addr(dialed.RemoteAddr()),
		addr(accepted.LocalAddr()): addr(accepted.RemoteAddr()),
	}, peers)
}

// TestTrackerListenerPassesThrough checks that a tracked listener hands
// on its inner listener's errors, and refuses a nil one.
func TestTrackerListenerPassesThrough(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	inner := listen(t, nil)
	ln := tr.Listener(inner)
	assert.Equal(t, inner, ln.(interface{ Unwrap() net.Listener }).Unwrap())
	require.NoError(t, ln.Close())
	_, err := ln.Accept()
	assert.ErrorIs(t, err, net.ErrClosed)
	nilInner := tr.Listener(nil)
	_, err = nilInner.Accept()
	var oe *net.OpError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, "accept", oe.Op)
	assert.Nil(t, nilInner.Addr())
	require.ErrorAs(t, nilInner.Close(), &oe)
	assert.Equal(t, "close", oe.Op)
	untracked := (*keepalive.Tracker)(nil).Listener(listen(t, nil))
	c, a := pair(t, untracked, nil)
	assert.NotNil(t, c)
	assert.NotNil(t, a)
}

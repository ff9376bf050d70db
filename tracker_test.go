package keepalive_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
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
}

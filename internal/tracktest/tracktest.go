// Package tracktest holds what the tests of the modules that dial share
// about a keepalive.Tracker: the reading of one tracked connection, found
// by its peer, and a Tracker's counts summed over its peers. It is test
// tooling for this repository, not API.
package tracktest

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// Reading collects tr and returns the reading of the one connection to
// peer, a TCP address; it fails the test unless exactly one is tracked.
func Reading(t testing.TB, tr *keepalive.Tracker, peer net.Addr) keepalive.Reading {
	t.Helper()
	want := peer.(*net.TCPAddr).AddrPort()
	want = netip.AddrPortFrom(want.Addr().Unmap(), want.Port())
	var found []keepalive.Reading
	require.NoError(t, tr.Collect(context.Background(), func(r *keepalive.Reading) bool {
		if r.PeerAddr == want {
			found = append(found, *r)
		}
		return true
	}))
	require.Len(t, found, 1, "connections to %v in the Tracker", want)
	return found[0]
}

// Live is Reading, asserting that the connection is live, that its peer
// host is peer's, and that the bound of its settings is bound.
func Live(t testing.TB, tr *keepalive.Tracker, peer net.Addr, bound time.Duration) keepalive.Reading {
	t.Helper()
	r := Reading(t, tr, peer)
	assert.Equal(t, keepalive.VerdictLive, r.Verdict)
	assert.Equal(t, peer.(*net.TCPAddr).IP.String(), r.Peer)
	assert.Equal(t, bound, r.Bound, "the bound of the settings the socket holds")
	return r
}

// Kept is Live, asserting too that tr counted one pool check, which kept
// the connection, and nothing else.
func Kept(t testing.TB, tr *keepalive.Tracker, peer net.Addr, bound time.Duration) {
	t.Helper()
	Live(t, tr, peer, bound)
	var want keepalive.Counts
	want.PoolChecks[keepalive.PoolKept] = 1
	assert.Equal(t, want, Counts(t, tr), "the pool's check of the pooled connection")
}

// Counts returns tr's counts summed over its peers.
func Counts(t testing.TB, tr *keepalive.Tracker) keepalive.Counts {
	t.Helper()
	var sum keepalive.Counts
	require.NoError(t, tr.PeerCounts(func(c *keepalive.Counts) bool {
		for i := range c.Gone {
			sum.Gone[i] += c.Gone[i]
			sum.PoolDiscards[i] += c.PoolDiscards[i]
		}
		for i := range c.PoolChecks {
			sum.PoolChecks[i] += c.PoolChecks[i]
		}
		return true
	}))
	return sum
}

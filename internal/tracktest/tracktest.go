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

package keepalive_test

import (
	"testing"

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

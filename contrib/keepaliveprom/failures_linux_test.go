package keepaliveprom_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveprom"
	"github.com/tcpkeepalive/keepalive/internal/telemetrytest"
)

// TestBadTracker: a nil tracker fails registration, a closed one the
// scrape, each with an error saying so; neither panics.
func TestBadTracker(t *testing.T) {
	err := prometheus.NewRegistry().Register(keepaliveprom.NewCollector(nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nil *keepalive.Tracker")

	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	clients, servers := loopback(t, tr, 1)
	require.NoError(t, servers[0].(*net.TCPConn).SetLinger(0))
	require.NoError(t, servers[0].Close())
	require.Eventually(t, func() bool { return keepalive.IsPeerGone(keepalive.Check(clients[0])) }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, tr.Close())
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(keepaliveprom.NewCollector(tr)))
	mfs, err := reg.Gather()
	require.Error(t, err)
	assert.ErrorContains(t, err, keepalive.ErrTrackerClosed.Error())
	gone, ok := value(mfs, "keepalive_tcp_peer_gone_total", "keepalive_cause", "reset")
	assert.True(t, ok, "the counts are still sent")
	assert.Equal(t, 1.0, gone)
}

// TestTimeout: a reading that runs out of WithTimeout's time fails the
// scrape with an error saying so; the counts are still sent.
func TestTimeout(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	clients, _ := loopback(t, tr, 2)
	keepalive.ReportPoolCheck(clients[0], keepalive.PoolKept, nil)
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(keepaliveprom.NewCollector(tr, keepaliveprom.WithTimeout(time.Nanosecond))))
	mfs, err := reg.Gather()
	require.Error(t, err)
	assert.ErrorContains(t, err, "keepaliveprom: reading the tracked connections")
	assert.ErrorContains(t, err, context.DeadlineExceeded.Error())
	_, ok := value(mfs, "keepalive_tcp_connections")
	assert.False(t, ok, "no connection counts from a reading cut short")
	kept, ok := value(mfs, "keepalive_pool_checks_total", "keepalive_pool_outcome", "kept")
	assert.True(t, ok)
	assert.Equal(t, 1.0, kept)
}

// TestCollectDuringCloses: scrapes while connections are closed and
// dialed from other goroutines: no panic, no race, nothing left behind
// (goleak), every series consistent.
func TestCollectDuringCloses(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	reg := prometheus.NewRegistry()
	require.NoError(t, reg.Register(keepaliveprom.NewCollector(tr)))
	scrapes := telemetrytest.Storm(t, tr, cfg, func() {
		mfs, err := reg.Gather()
		require.NoError(t, err)
		for _, v := range []string{"live", "suspect", "gone", "closed_by_peer"} {
			got, _ := value(mfs, "keepalive_tcp_connections", "keepalive_verdict", v)
			assert.GreaterOrEqual(t, got, 0.0)
		}
	})
	t.Logf("%d scrapes during the storm", scrapes)
	assert.Positive(t, scrapes)
}

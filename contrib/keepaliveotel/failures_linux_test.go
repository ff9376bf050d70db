package keepaliveotel_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveotel"
	"github.com/tcpkeepalive/keepalive/internal/telemetrytest"
)

// TestBadInput: a nil provider or tracker is an error naming it, and a
// closed tracker's collection an error wrapping ErrTrackerClosed with
// the counts still there; nothing panics.
func TestBadInput(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	_, err := keepaliveotel.Register(tr, nil)
	assert.ErrorContains(t, err, "nil metric.MeterProvider")
	_, err = keepaliveotel.Register(nil, sdkmetric.NewMeterProvider())
	assert.ErrorContains(t, err, "nil *keepalive.Tracker")

	clients, servers := loopback(t, tr, 1)
	reader := sdk(t, tr)
	require.NoError(t, servers[0].(*net.TCPConn).SetLinger(0))
	require.NoError(t, servers[0].Close())
	require.Eventually(t, func() bool { return keepalive.IsPeerGone(keepalive.Check(clients[0])) }, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, tr.Close())
	var rm metricdata.ResourceMetrics
	err = reader.Collect(context.Background(), &rm)
	assert.ErrorIs(t, err, keepalive.ErrTrackerClosed)
	gone, ok := point(byName(rm)[keepaliveotel.PeerGone], local, keepaliveotel.CauseKey.String("reset"))
	assert.True(t, ok, "the counts are still collected")
	assert.Equal(t, 1.0, gone)
}

// expiring is a context whose deadline passes after its first Err: the
// SDK's own check before the callbacks passes, the tracker's in the
// callback does not.
type expiring struct {
	context.Context
	calls int
}

func (c *expiring) Err() error {
	if c.calls++; c.calls > 1 {
		return context.DeadlineExceeded
	}
	return nil
}

// TestCollectionExpires: a collection whose context ends while the
// callback reads the tracker returns an error saying so, with no
// connection counts; the other counts are still there.
func TestCollectionExpires(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	clients, _ := loopback(t, tr, 2)
	keepalive.ReportPoolCheck(clients[0], keepalive.PoolKept, nil)
	reader := sdk(t, tr)
	var rm metricdata.ResourceMetrics
	err := reader.Collect(&expiring{Context: context.Background()}, &rm)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorContains(t, err, "keepaliveotel: reading the tracked connections")
	got := byName(rm)
	assert.NotContains(t, got, keepaliveotel.Connections)
	kept, ok := point(got[keepaliveotel.PoolChecks], local, keepaliveotel.PoolOutcomeKey.String("kept"))
	assert.True(t, ok)
	assert.Equal(t, 1.0, kept)
}

// TestCollectDuringCloses: collections while connections are dialed and
// closed from other goroutines: no panic, no race, nothing left behind
// (goleak).
func TestCollectDuringCloses(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	reader := sdk(t, tr)
	collections := telemetrytest.Storm(t, tr, cfg, func() {
		var rm metricdata.ResourceMetrics
		require.NoError(t, reader.Collect(context.Background(), &rm))
	})
	t.Logf("%d collections during the storm", collections)
	assert.Positive(t, collections)
}

// TestRegisterNilPointers: a MeterProvider interface holding a nil
// *sdkmetric.MeterProvider is refused as a nil one is (its Meter would
// panic), and Unregister of the nil Registration a failed Register
// returns is an error, not a panic.
func TestRegisterNilPointers(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	var mp *sdkmetric.MeterProvider
	var reg *keepaliveotel.Registration
	var err error
	require.NotPanics(t, func() { reg, err = keepaliveotel.Register(tr, mp) })
	assert.ErrorContains(t, err, "nil metric.MeterProvider")
	assert.Nil(t, reg)
	assert.NotPanics(t, func() { err = reg.Unregister() })
	assert.ErrorContains(t, err, "nil *Registration")
}

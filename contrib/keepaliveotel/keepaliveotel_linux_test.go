package keepaliveotel_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveotel"
	"github.com/tcpkeepalive/keepalive/internal/telemetrytest"
)

var cfg = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}

// loopback dials n tracked connections to a loopback listener and
// returns both ends of each, closed when the test ends.
func loopback(t *testing.T, tr *keepalive.Tracker, n int) (clients, servers []net.Conn) {
	t.Helper()
	return telemetrytest.Loopback(t, tr, cfg, n)
}

// sdk registers t's instruments with a real SDK MeterProvider whose
// ManualReader the test collects.
func sdk(t *testing.T, tr *keepalive.Tracker) *sdkmetric.ManualReader {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	reg, err := keepaliveotel.Register(tr, mp)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, reg.Unregister()) })
	return reader
}

// collect collects reader and returns the metrics by name.
func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, reader.Collect(context.Background(), &rm))
	return byName(rm)
}

func byName(rm metricdata.ResourceMetrics) map[string]metricdata.Metrics {
	got := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != keepaliveotel.ScopeName {
			continue
		}
		for _, m := range sm.Metrics {
			got[m.Name] = m
		}
	}
	return got
}

// point returns the value of the data point of m whose attributes are
// exactly kv, and whether there is one.
func point(m metricdata.Metrics, kv ...attribute.KeyValue) (float64, bool) {
	want := attribute.NewSet(kv...)
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		for _, p := range d.DataPoints {
			if p.Attributes.Equals(&want) {
				return float64(p.Value), true
			}
		}
	case metricdata.Gauge[float64]:
		for _, p := range d.DataPoints {
			if p.Attributes.Equals(&want) {
				return p.Value, true
			}
		}
	case metricdata.Histogram[float64]:
		for _, p := range d.DataPoints {
			if p.Attributes.Equals(&want) {
				return float64(p.Count), true
			}
		}
	}
	return 0, false
}

var local = keepaliveotel.PeerKey.String("127.0.0.1")

func verdict(v keepalive.Verdict) attribute.KeyValue {
	return keepaliveotel.VerdictKey.String(v.String())
}

// TestRegister: through the real SDK, the connections as the kernel has
// them (all live, no probe out, the RTT Inspect reads), then the peer's
// FIN on one and a RST on another, which Check sees and the tracker
// counts, the reset in the detection histogram.
func TestRegister(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	clients, servers := loopback(t, tr, 3)
	reader := sdk(t, tr)

	got := collect(t, reader)
	conns := got[keepaliveotel.Connections]
	assert.Equal(t, "{connection}", conns.Unit)
	sum, ok := conns.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a %T", keepaliveotel.Connections, conns.Data)
	assert.False(t, sum.IsMonotonic)
	for v, want := range map[keepalive.Verdict]float64{keepalive.VerdictLive: 3, keepalive.VerdictSuspect: 0, keepalive.VerdictGone: 0, keepalive.VerdictClosedByPeer: 0} {
		got, ok := point(conns, local, verdict(v))
		assert.Equal(t, want > 0, ok, "%s: a point only for a count above 0", v)
		assert.Equal(t, want, got, v)
	}
	probes, ok := point(got[keepaliveotel.Probes], local)
	assert.True(t, ok)
	assert.Zero(t, probes)
	var rttSum time.Duration
	for _, c := range clients {
		h, err := keepalive.Inspect(c)
		require.NoError(t, err)
		rttSum += h.RTT
	}
	rtt, ok := point(got[keepaliveotel.RTT], local)
	require.True(t, ok)
	assert.Equal(t, "s", got[keepaliveotel.RTT].Unit)
	assert.InDelta(t, (rttSum / 3).Seconds(), rtt, 0.002)

	require.NoError(t, servers[0].Close())
	require.NoError(t, servers[1].(*net.TCPConn).SetLinger(0))
	require.NoError(t, servers[1].Close())
	require.Eventually(t, func() bool {
		got := collect(t, reader)
		closed, _ := point(got[keepaliveotel.Connections], local, verdict(keepalive.VerdictClosedByPeer))
		gone, _ := point(got[keepaliveotel.Connections], local, verdict(keepalive.VerdictGone))
		return closed == 1 && gone == 1
	}, 5*time.Second, 20*time.Millisecond, "one closed by the peer and one gone")
	assert.ErrorIs(t, keepalive.Check(clients[0]), io.EOF)
	assert.True(t, keepalive.IsPeerGone(keepalive.Check(clients[1])))

	got = collect(t, reader)
	for cause, want := range map[keepalive.Cause]float64{keepalive.CauseEOF: 1, keepalive.CauseReset: 1, keepalive.CauseTimeout: 0} {
		n, ok := point(got[keepaliveotel.PeerGone], local, keepaliveotel.CauseKey.String(cause.String()))
		assert.Equal(t, want > 0, ok, cause)
		assert.Equal(t, want, n, cause)
	}
	hist, ok := got[keepaliveotel.DetectionDuration].Data.(metricdata.Histogram[float64])
	require.True(t, ok)
	require.Len(t, hist.DataPoints, 1)
	assert.Equal(t, uint64(1), hist.DataPoints[0].Count, "the reset; an orderly close is no detection")
	assert.Less(t, hist.DataPoints[0].Sum, 1.0, "a reset is noticed as it arrives")
	want := keepalive.GoneAfterBounds()
	require.Len(t, hist.DataPoints[0].Bounds, len(want))
	assert.Equal(t, want[0].Seconds(), hist.DataPoints[0].Bounds[0])
}

// TestPoolChecks: what a pool module reports, per outcome and cause.
func TestPoolChecks(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	clients, servers := loopback(t, tr, 2)
	reader := sdk(t, tr)
	keepalive.ReportPoolCheck(clients[0], keepalive.PoolKept, nil)
	keepalive.ReportPoolCheck(clients[0], keepalive.PoolKept, nil)
	keepalive.ReportPoolCheck(clients[0], keepalive.PoolConfirmed, nil)
	require.NoError(t, servers[1].Close())
	require.Eventually(t, func() bool {
		h, err := keepalive.Inspect(clients[1])
		return err == nil && h.State == keepalive.TCPCloseWait
	}, 5*time.Second, 10*time.Millisecond)
	keepalive.ReportPoolCheck(clients[1], keepalive.PoolDiscarded, keepalive.Check(clients[1]))

	pool := collect(t, reader)[keepaliveotel.PoolChecks]
	outcome := func(o keepalive.PoolOutcome) attribute.KeyValue {
		return keepaliveotel.PoolOutcomeKey.String(o.String())
	}
	cause := func(c keepalive.Cause) attribute.KeyValue { return keepaliveotel.CauseKey.String(c.String()) }
	for _, tt := range []struct {
		name  string
		attrs []attribute.KeyValue
		want  float64
	}{
		{"kept", []attribute.KeyValue{local, outcome(keepalive.PoolKept)}, 2},
		{"confirmed", []attribute.KeyValue{local, outcome(keepalive.PoolConfirmed)}, 1},
		{"discarded eof", []attribute.KeyValue{local, outcome(keepalive.PoolDiscarded), cause(keepalive.CauseEOF)}, 1},
		{"discarded timeout", []attribute.KeyValue{local, outcome(keepalive.PoolDiscarded), cause(keepalive.CauseTimeout)}, 0},
		{"discarded unanswered", []attribute.KeyValue{local, outcome(keepalive.PoolDiscarded), cause(keepalive.CauseUnanswered)}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := point(pool, tt.attrs...)
			assert.Equal(t, tt.want > 0, ok, "a point only for a count above 0")
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestUnregister: after Unregister nothing is read or recorded, and a
// second Unregister does nothing.
func TestUnregister(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	clients, servers := loopback(t, tr, 1)
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	reg, err := keepaliveotel.Register(tr, mp)
	require.NoError(t, err)
	require.Contains(t, collect(t, reader), keepaliveotel.Connections)
	require.NoError(t, reg.Unregister())
	require.NoError(t, reg.Unregister())

	require.NoError(t, servers[0].(*net.TCPConn).SetLinger(0))
	require.NoError(t, servers[0].Close())
	require.Eventually(t, func() bool { return keepalive.IsPeerGone(keepalive.Check(clients[0])) }, 5*time.Second, 10*time.Millisecond)
	assert.Empty(t, collect(t, reader), "no instrument of ours has a point")
}

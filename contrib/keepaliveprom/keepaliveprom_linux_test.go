package keepaliveprom_test

import (
	"bytes"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveprom"
	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/telemetrytest"
)

var cfg = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}

// loopback dials n tracked connections to a loopback listener and
// returns both ends of each, closed when the test ends.
func loopback(t *testing.T, tr *keepalive.Tracker, n int) (clients, servers []net.Conn) {
	t.Helper()
	return telemetrytest.Loopback(t, tr, cfg, n)
}

// gather registers c alone and gathers it, failing the test on an error.
func gather(t *testing.T, c prometheus.Collector) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	return mfs
}

// value is the value of the series of family name with the labels given
// (name=value pairs), and whether there is one.
func value(mfs []*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue series
				}
			}
			switch {
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

// TestCollector: connections dialed with WithTracker over loopback, as
// the kernel has them: all live, no probe out, the RTT Inspect reads;
// then the peer's FIN on one and a RST on another, which Check sees
// and the tracker counts.
func TestCollector(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	clients, servers := loopback(t, tr, 3)
	c := keepaliveprom.NewCollector(tr)

	mfs := gather(t, c)
	got, ok := value(mfs, "keepalive_tcp_connections", "network_peer_address", "127.0.0.1", "keepalive_verdict", "live")
	require.True(t, ok, "no live series for 127.0.0.1")
	assert.Equal(t, 3.0, got)
	for _, v := range []string{"suspect", "gone", "closed_by_peer"} {
		got, ok := value(mfs, "keepalive_tcp_connections", "network_peer_address", "127.0.0.1", "keepalive_verdict", v)
		assert.True(t, ok, v)
		assert.Zero(t, got, v)
	}
	probes, ok := value(mfs, "keepalive_tcp_probes", "network_peer_address", "127.0.0.1")
	require.True(t, ok)
	assert.Zero(t, probes)
	// The mean smoothed RTT: what Inspect reads of the same sockets,
	// within what a few idle microseconds can change.
	var sum time.Duration
	for _, conn := range clients {
		h, err := keepalive.Inspect(conn)
		require.NoError(t, err)
		sum += h.RTT
	}
	rtt, ok := value(mfs, "keepalive_tcp_rtt_seconds", "network_peer_address", "127.0.0.1")
	require.True(t, ok)
	assert.InDelta(t, (sum / 3).Seconds(), rtt, 0.002)

	// The peer closes one connection in order and resets another.
	require.NoError(t, servers[0].Close())
	require.NoError(t, servers[1].(*net.TCPConn).SetLinger(0))
	require.NoError(t, servers[1].Close())
	require.Eventually(t, func() bool {
		mfs := gather(t, c)
		closed, _ := value(mfs, "keepalive_tcp_connections", "keepalive_verdict", "closed_by_peer")
		gone, _ := value(mfs, "keepalive_tcp_connections", "keepalive_verdict", "gone")
		return closed == 1 && gone == 1
	}, 5*time.Second, 20*time.Millisecond, "one closed by the peer and one gone")
	assert.ErrorIs(t, keepalive.Check(clients[0]), io.EOF)
	assert.True(t, keepalive.IsPeerGone(keepalive.Check(clients[1])))
	mfs = gather(t, c)
	for cause, want := range map[string]float64{"eof": 1, "reset": 1, "timeout": 0} {
		got, ok := value(mfs, "keepalive_tcp_peer_gone_total", "network_peer_address", "127.0.0.1", "keepalive_cause", cause)
		assert.True(t, ok, cause)
		assert.Equal(t, want, got, cause)
	}
	// Closed by the user: released, no longer counted.
	for _, conn := range clients[:2] {
		require.NoError(t, conn.Close())
	}
	mfs = gather(t, c)
	live, _ := value(mfs, "keepalive_tcp_connections", "keepalive_verdict", "live")
	gone, _ := value(mfs, "keepalive_tcp_connections", "keepalive_verdict", "gone")
	assert.Equal(t, 1.0, live)
	assert.Zero(t, gone)
}

// TestPeerCap: the peer label takes at most MaxPeers values, then
// "other": connections to three loopback hosts with a cap of two.
func TestPeerCap(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{MaxPeers: 2})
	defer tr.Close()
	d := keepalive.NewDialer(keepalive.WithTracker(tr))
	for _, host := range []string{"127.0.0.1", "127.0.0.2", "127.0.0.3"} {
		ln, err := net.Listen("tcp", host+":0")
		require.NoError(t, err)
		defer ln.Close()
		for range 2 {
			c, err := d.Dial("tcp", ln.Addr().String())
			require.NoError(t, err)
			defer c.Close()
			s, err := ln.Accept()
			require.NoError(t, err)
			defer s.Close()
		}
	}
	mfs := gather(t, keepaliveprom.NewCollector(tr))
	peers := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "keepalive_tcp_connections" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "network_peer_address" {
					peers[l.GetValue()] += m.GetGauge().GetValue()
				}
			}
		}
	}
	assert.Equal(t, map[string]float64{"127.0.0.1": 2, "127.0.0.2": 2, keepalive.OtherPeers: 2}, peers)
}

// TestPoolChecks: what a pool module reports, per outcome and cause.
func TestPoolChecks(t *testing.T) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	clients, servers := loopback(t, tr, 2)
	keepalive.ReportPoolCheck(clients[0], keepalive.PoolKept, nil)
	keepalive.ReportPoolCheck(clients[0], keepalive.PoolConfirmed, nil)
	require.NoError(t, servers[1].(*net.TCPConn).SetLinger(0))
	require.NoError(t, servers[1].Close())
	// The first Check that sees the reset takes the socket's error:
	// the pool's check, whose error is the discard's cause.
	var checkErr error
	require.Eventually(t, func() bool {
		checkErr = keepalive.Check(clients[1])
		return keepalive.IsPeerGone(checkErr)
	}, 5*time.Second, 10*time.Millisecond)
	keepalive.ReportPoolCheck(clients[1], keepalive.PoolDiscarded, checkErr)

	mfs := gather(t, keepaliveprom.NewCollector(tr))
	for _, tt := range []struct {
		outcome, cause string
		want           float64
	}{
		{"kept", "", 1},
		{"confirmed", "", 1},
		{"discarded", "reset", 1},
		{"discarded", "timeout", 0},
		{"discarded", "unanswered", 0},
	} {
		got, ok := value(mfs, "keepalive_pool_checks_total", "keepalive_pool_outcome", tt.outcome, "keepalive_cause", tt.cause)
		assert.True(t, ok, "%s %s", tt.outcome, tt.cause)
		assert.Equal(t, tt.want, got, "%s %s", tt.outcome, tt.cause)
	}
	gone, _ := value(mfs, "keepalive_tcp_peer_gone_total", "keepalive_cause", "reset")
	assert.Equal(t, 1.0, gone, "a discard for a peer-gone cause counts the close too")
	detected, ok := value(mfs, "keepalive_tcp_detection_duration_seconds")
	assert.True(t, ok)
	assert.Equal(t, 1.0, detected, "the reset, in the detection histogram")
}

// TestPromtool: what a scrape serves passes `promtool check metrics`
// (Debian's prometheus package), with every kind of series present.
func TestPromtool(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		netns.Missing(t, "promtool", "prometheus")
		return
	}
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	clients, servers := loopback(t, tr, 2)
	keepalive.ReportPoolCheck(clients[0], keepalive.PoolKept, nil)
	require.NoError(t, servers[1].(*net.TCPConn).SetLinger(0))
	require.NoError(t, servers[1].Close())
	require.Eventually(t, func() bool { return keepalive.IsPeerGone(keepalive.Check(clients[1])) }, 5*time.Second, 10*time.Millisecond)

	mfs := gather(t, keepaliveprom.NewCollector(tr))
	var text bytes.Buffer
	enc := expfmt.NewEncoder(&text, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		require.NoError(t, enc.Encode(mf))
	}
	for _, name := range []string{"keepalive_tcp_connections", "keepalive_tcp_probes", "keepalive_tcp_recurring_retransmits",
		"keepalive_tcp_rtt_seconds", "keepalive_tcp_peer_gone_total", "keepalive_pool_checks_total",
		"keepalive_tcp_detection_duration_seconds_bucket"} {
		assert.Contains(t, text.String(), "\n"+name+"{", "the text checked has %s", name)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = &text
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, "promtool check metrics: %s", out)
	assert.Empty(t, strings.TrimSpace(string(out)))
}

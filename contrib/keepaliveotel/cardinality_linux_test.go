package keepaliveotel_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveotel"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// cardinalityPeers is the number of peer hosts: the Tracker's default
// cap, so that every one is named and none falls under OtherPeers.
const cardinalityPeers = keepalive.DefaultMaxPeers

// overflow is the attribute the SDK gives the point it folds the
// attribute sets beyond its limit into (go.opentelemetry.io/otel/sdk/metric
// v1.47.0, internal/aggregate/limit.go, overflowSet).
var overflow = attribute.Bool("otel.metric.overflow", true)

// TestIntegrationCardinality: 1000 peer hosts, each with a live, a
// suspect, a timed-out, a reset and a closed connection, and a pool
// check of every kind, collected through the real SDK (a ManualReader).
// With the SDK's default limit (2000 points per instrument) the
// connections, peer-gone and pool-check instruments each keep 1999 of
// their points and fold the rest into one with otel.metric.overflow, the
// totals intact; with keepaliveotel.CardinalityLimit, as docs/telemetry.md
// says to set it, every peer's every point is there. The connections
// live in a network namespace of their own, whose loopback nftables
// makes deaf for the suspects and the timeouts.
func TestIntegrationCardinality(t *testing.T) {
	netns.NeedNFT(t)
	n := netns.New(t)
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	conns := peerConns(t, tr, n.Client)
	// From now on the deaf listener's replies are dropped: its clients'
	// probes go unanswered.
	nft := exec.Command("ip", "netns", "exec", n.Client, "nft", "-f", "-")
	nft.Stdin = strings.NewReader(fmt.Sprintf("table inet deaf { chain out { type filter hook output priority 0; tcp sport %d drop; }; }", conns.deafPort))
	out, err := nft.CombinedOutput()
	require.NoError(t, err, "nft: %s", out)

	// Every peer's five verdicts, as the kernel has them.
	want := map[keepalive.Verdict]int{keepalive.VerdictLive: cardinalityPeers, keepalive.VerdictSuspect: cardinalityPeers,
		keepalive.VerdictGone: 2 * cardinalityPeers, keepalive.VerdictClosedByPeer: cardinalityPeers}
	var got map[keepalive.Verdict]int
	require.Eventually(t, func() bool {
		got = map[keepalive.Verdict]int{}
		require.NoError(t, tr.Collect(context.Background(), func(r *keepalive.Reading) bool { got[r.Verdict]++; return true }))
		return assert.ObjectsAreEqual(want, got)
	}, 15*time.Second, 100*time.Millisecond, "verdicts")
	// What a pool module does at checkout: Check, and report the decision.
	for _, p := range conns.peers {
		keepalive.ReportPoolCheck(p.live, keepalive.PoolKept, nil)
		keepalive.ReportPoolCheck(p.live, keepalive.PoolConfirmed, nil)
		keepalive.ReportPoolCheck(p.live, keepalive.PoolDiscarded, context.DeadlineExceeded) // cause other
		for _, c := range []net.Conn{p.suspect, p.timedOut, p.reset, p.closed} {
			keepalive.ReportPoolCheck(c, keepalive.PoolDiscarded, keepalive.Check(c))
		}
	}

	totals := map[string]int64{keepaliveotel.Connections: 5 * cardinalityPeers, keepaliveotel.PeerGone: 3 * cardinalityPeers, keepaliveotel.PoolChecks: 7 * cardinalityPeers}
	t.Run("default limit", func(t *testing.T) {
		m := collectWith(t, tr)
		for name, total := range totals {
			points, sum, folded := sumPoints(t, m[name])
			t.Logf("%s: %d points, one with %s holding %d, total %d", name, len(points), overflow.Key, folded, sum)
			assert.Len(t, points, 2000, name)
			assert.Positive(t, folded, "%s: nothing folded into the overflow point", name)
			assert.Equal(t, total, sum, "%s: the overflow point keeps the total", name)
		}
		for _, name := range []string{keepaliveotel.Probes, keepaliveotel.RecurringRetransmit} {
			points, _, folded := sumPoints(t, m[name])
			assert.Len(t, points, cardinalityPeers, name)
			assert.Zero(t, folded, name)
		}
	})
	t.Run("CardinalityLimit", func(t *testing.T) {
		limit := keepaliveotel.CardinalityLimit(0)
		require.Equal(t, 7008, limit)
		m := collectWith(t, tr, sdkmetric.WithCardinalityLimit(limit))
		for name, total := range totals {
			points, sum, folded := sumPoints(t, m[name])
			t.Logf("%s: %d points, total %d", name, len(points), sum)
			assert.Zero(t, folded, name)
			assert.Equal(t, total, sum, name)
		}
		peerGone, pool := m[keepaliveotel.PeerGone], m[keepaliveotel.PoolChecks]
		outcome := func(o keepalive.PoolOutcome) attribute.KeyValue {
			return keepaliveotel.PoolOutcomeKey.String(o.String())
		}
		cause := func(c keepalive.Cause) attribute.KeyValue { return keepaliveotel.CauseKey.String(c.String()) }
		for _, p := range conns.peers {
			peer := keepaliveotel.PeerKey.String(p.host)
			for _, v := range keepalive.Verdicts {
				n, _ := point(m[keepaliveotel.Connections], peer, verdict(v))
				assert.Equal(t, float64(want[v]/cardinalityPeers), n, "%s %s", p.host, v)
			}
			for _, c := range []keepalive.Cause{keepalive.CauseTimeout, keepalive.CauseReset, keepalive.CauseEOF} {
				n, _ := point(peerGone, peer, cause(c))
				assert.Equal(t, 1.0, n, "%s peer gone, %s", p.host, c)
			}
			for _, o := range []keepalive.PoolOutcome{keepalive.PoolKept, keepalive.PoolConfirmed} {
				n, _ := point(pool, peer, outcome(o))
				assert.Equal(t, 1.0, n, "%s pool %s", p.host, o)
			}
			for _, c := range keepalive.Causes {
				n, _ := point(pool, peer, outcome(keepalive.PoolDiscarded), cause(c))
				assert.Equal(t, 1.0, n, "%s pool discarded, %s", p.host, c)
			}
			if t.Failed() {
				return // one peer's failures say it
			}
		}
	})
}

// collectWith registers tr with a new SDK MeterProvider made with opts
// and collects it once.
func collectWith(t *testing.T, tr *keepalive.Tracker, opts ...sdkmetric.Option) map[string]metricdata.Metrics {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(append(opts, sdkmetric.WithReader(reader))...)
	defer mp.Shutdown(context.Background())
	reg, err := keepaliveotel.Register(tr, mp)
	require.NoError(t, err)
	defer reg.Unregister()
	return collect(t, reader)
}

// sumPoints returns m's points, the sum of their values, and the value
// of the overflow point (0 without one).
func sumPoints(t *testing.T, m metricdata.Metrics) (points []metricdata.DataPoint[int64], sum, folded int64) {
	t.Helper()
	s, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a %T", m.Name, m.Data)
	for _, p := range s.DataPoints {
		sum += p.Value
		if v, ok := p.Attributes.Value(overflow.Key); ok && v.AsBool() {
			folded += p.Value
		}
	}
	return s.DataPoints, sum, folded
}

// peerConn are one peer host's client ends, one per verdict and cause.
type peerConn struct {
	host                                   string
	live, suspect, timedOut, reset, closed net.Conn
}

type peerSet struct {
	peers    []peerConn
	deafPort int // the listener whose replies are to be dropped
}

// peerConns dials, in namespace ns, five tracked connections to each of
// cardinalityPeers loopback hosts (127.10.x.y): live, suspect and timed
// out (to the deaf listener; the suspect's Config bounds it far beyond
// the test), reset and closed by the server. Everything is closed when
// the test ends.
func peerConns(t *testing.T, tr *keepalive.Tracker, ns string) peerSet {
	t.Helper()
	var out peerSet
	var keep []io.Closer
	t.Cleanup(func() {
		for _, c := range keep {
			c.Close()
		}
	})
	dialer := func(c keepalive.Config) *net.Dialer {
		return keepalive.NewDialer(keepalive.WithKeepalive(c), keepalive.WithTracker(tr))
	}
	long := dialer(cfg)
	suspect := dialer(keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 60})
	timeout := dialer(keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 1})
	err := netns.In(ns, func() error {
		// Every 127/8 address is local: two listeners serve all peers.
		open, err := net.Listen("tcp", "0.0.0.0:0")
		if err != nil {
			return err
		}
		deaf, err := net.Listen("tcp", "0.0.0.0:0")
		if err != nil {
			open.Close()
			return err
		}
		keep = append(keep, open, deaf)
		out.deafPort = deaf.Addr().(*net.TCPAddr).Port
		dial := func(d *net.Dialer, host string, ln net.Listener) (c, s net.Conn, err error) {
			port := ln.Addr().(*net.TCPAddr).Port
			if c, err = d.Dial("tcp", net.JoinHostPort(host, fmt.Sprint(port))); err != nil {
				return nil, nil, err
			}
			keep = append(keep, c)
			if s, err = ln.Accept(); err != nil {
				return nil, nil, err
			}
			keep = append(keep, s)
			return c, s, nil
		}
		for i := range cardinalityPeers {
			p := peerConn{host: fmt.Sprintf("127.10.%d.%d", i/250, 1+i%250)}
			var s net.Conn
			if p.live, _, err = dial(long, p.host, open); err != nil {
				return err
			}
			if p.suspect, _, err = dial(suspect, p.host, deaf); err != nil {
				return err
			}
			if p.timedOut, _, err = dial(timeout, p.host, deaf); err != nil {
				return err
			}
			if p.reset, s, err = dial(long, p.host, open); err != nil {
				return err
			}
			if err := s.(*net.TCPConn).SetLinger(0); err != nil {
				return err
			}
			s.Close()
			if p.closed, s, err = dial(long, p.host, open); err != nil {
				return err
			}
			s.Close()
			out.peers = append(out.peers, p)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

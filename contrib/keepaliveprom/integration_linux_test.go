package keepaliveprom_test

// A real Prometheus server (Debian's prometheus package) scrapes a test
// service in the client's namespace whose tracked connections go to
// four hosts in the peer's namespace: one stays, one vanishes (the router
// drops everything to and from it), one resets its connections and one
// closes them. The test asks Prometheus's HTTP API for the series.
// Needs root; run alone with
//
//	sudo go test -count=1 -v -run TestIntegration .

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveprom"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// The four hosts, each with connsPerPeer tracked connections.
const (
	liveHost     = netns.PeerAddr // stays
	vanishHost   = "10.77.2.2"    // the router drops everything
	resetHost    = "10.77.2.3"    // RST on each connection
	closeHost    = "10.77.2.4"    // FIN on each connection
	connsPerPeer = 3
)

// A dead idle peer is declared gone 4s after its last packet.
var fastCfg = keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 3, UserTimeout: 4 * time.Second}

func TestIntegrationPrometheus(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	peers := map[string]*peer{}
	for _, host := range []string{liveHost, vanishHost, resetHost, closeHost} {
		if host != netns.PeerAddr {
			n.AddPeerAddr(host)
		}
		peers[host] = startPeer(t, n, host)
	}

	// The service: tracked connections, checked before each use as a
	// pool module does, and its metrics on 127.0.0.1 in the client's
	// namespace.
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	t.Cleanup(func() { tr.Close() })
	d := keepalive.NewDialer(keepalive.WithKeepalive(fastCfg), keepalive.WithTracker(tr))
	var conns []net.Conn
	for _, host := range []string{liveHost, vanishHost, resetHost, closeHost} {
		for range connsPerPeer {
			require.NoError(t, netns.In(n.Client, func() error {
				c, err := d.Dial("tcp", net.JoinHostPort(host, peerPort))
				conns = append(conns, c)
				return err
			}))
		}
	}
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	require.Eventually(t, func() bool {
		for _, p := range peers {
			if p.count() != connsPerPeer {
				return false
			}
		}
		return true
	}, 5*time.Second, 10*time.Millisecond, "every peer accepted its connections")
	poolChecks(t, conns)

	reg := prometheus.NewRegistry()
	reg.MustRegister(keepaliveprom.NewCollector(tr))
	var delay atomic.Int64 // a scrape's wait before it is served
	handler := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	metrics := serve(t, n, n.Client, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d := time.Duration(delay.Load()); d > 0 {
			time.Sleep(d)
		}
		handler.ServeHTTP(w, r)
	}))
	prom := n.StartPrometheus(t, n.Client, netns.Scrape{Targets: []string{metrics}, Interval: 500 * time.Millisecond, Timeout: 400 * time.Millisecond})
	if prom == nil {
		return
	}

	waitFor(t, prom, "sum by (keepalive_verdict) (keepalive_tcp_connections)", map[string]float64{
		"live": 4 * connsPerPeer, "suspect": 0, "gone": 0, "closed_by_peer": 0,
	})

	// A scrape that outlasts Prometheus's scrape timeout: the target is
	// down with the reason, the service carries on, and the next scrape
	// in time is whole again.
	delay.Store(int64(time.Second))
	require.Eventually(t, func() bool {
		targets, err := prom.Targets(context.Background())
		return err == nil && len(targets) == 1 && targets[0].Health == "down" && strings.Contains(targets[0].LastError, "deadline exceeded")
	}, 15*time.Second, 100*time.Millisecond, "Prometheus reports the scrape timed out")
	delay.Store(0)
	waitFor(t, prom, "up", map[string]float64{"": 1})

	// The hosts vanish, reset and close at once.
	n.CutAddr(vanishHost)
	peers[resetHost].reset()
	peers[closeHost].closeAll()
	cut := time.Now()

	waitFor(t, prom, "keepalive_tcp_connections > 0", map[string]float64{
		liveHost + " live":            connsPerPeer,
		vanishHost + " gone":          connsPerPeer,
		resetHost + " gone":           connsPerPeer,
		closeHost + " closed_by_peer": connsPerPeer,
	})
	t.Logf("verdicts right in Prometheus %v after the cut", time.Since(cut).Round(100*time.Millisecond))
	suspect := query(t, prom, fmt.Sprintf(`max_over_time(keepalive_tcp_connections{network_peer_address=%q,keepalive_verdict="suspect"}[5m])`, vanishHost))
	assert.Positive(t, suspect[vanishHost+" suspect"], "the vanished host's connections were suspect before they were gone: %v", suspect)

	waitFor(t, prom, "keepalive_tcp_peer_gone_total > 0", map[string]float64{
		vanishHost + " timeout": connsPerPeer,
		resetHost + " reset":    connsPerPeer,
		closeHost + " eof":      connsPerPeer,
	})
	waitFor(t, prom, `sum by (keepalive_cause) (keepalive_pool_checks_total{keepalive_pool_outcome="discarded"})`, map[string]float64{
		"timeout": connsPerPeer, "reset": connsPerPeer, "eof": connsPerPeer, "unanswered": 0, "other": 0,
	})
	kept := query(t, prom, `sum(keepalive_pool_checks_total{keepalive_pool_outcome="kept"})`)
	assert.Positive(t, kept[""], "checks that kept a connection")

	// Detection: the resets within 2s of their last packet, the
	// vanished host's connections about 4s (fastCfg) after theirs.
	waitFor(t, prom, `keepalive_tcp_detection_duration_seconds_bucket{le=~"2|2.0|10|10.0"}`, map[string]float64{
		"2": connsPerPeer, "10": 2 * connsPerPeer,
	})
	sum := query(t, prom, "keepalive_tcp_detection_duration_seconds_sum")[""]
	timeouts := fastCfg.Timeout().Seconds() * connsPerPeer
	assert.InDelta(t, timeouts, sum, 0.5*timeouts, "seconds from last packet to gone, summed: %v", sum)
}

// poolChecks checks each connection as a pool module does before a
// checkout, every 100ms until the test ends, and reports what it found:
// kept if Check passes, discarded (and no longer checked) if it reports
// the peer gone or closed. A suspect is left alone: a pool would confirm
// it with a round trip.
func poolChecks(t *testing.T, conns []net.Conn) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		discarded := make([]bool, len(conns))
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			for i, c := range conns {
				if discarded[i] {
					continue
				}
				switch err := keepalive.Check(c); {
				case err == nil:
					keepalive.ReportPoolCheck(c, keepalive.PoolKept, nil)
				case errors.Is(err, keepalive.ErrUnanswered):
				default:
					keepalive.ReportPoolCheck(c, keepalive.PoolDiscarded, err)
					discarded[i] = true
				}
			}
		}
	}()
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// query runs expr and returns its samples keyed by their label values
// other than job and instance (the address first), sorted, space-separated.
func query(t *testing.T, prom *netns.Prometheus, expr string) map[string]float64 {
	t.Helper()
	samples, err := prom.Query(context.Background(), expr)
	require.NoError(t, err)
	return keyed(samples)
}

func keyed(samples []netns.Sample) map[string]float64 {
	got := map[string]float64{}
	for _, s := range samples {
		var key []string
		if a, ok := s.Labels["network_peer_address"]; ok {
			key = append(key, a)
		}
		var rest []string
		for name, v := range s.Labels {
			switch name {
			case "__name__", "job", "instance", "network_peer_address":
			default:
				rest = append(rest, v)
			}
		}
		sort.Strings(rest)
		got[strings.Join(append(key, rest...), " ")] = s.Value
	}
	return got
}

// waitFor waits until expr gives exactly want (keyed as query keys it),
// failing the test with the last answer if it does not within 30s.
func waitFor(t *testing.T, prom *netns.Prometheus, expr string, want map[string]float64) {
	t.Helper()
	var got map[string]float64
	var err error
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		var samples []netns.Sample
		samples, err = prom.Query(context.Background(), expr)
		if err == nil {
			got = keyed(samples)
			if assert.ObjectsAreEqual(want, got) {
				return
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("Prometheus: %s\n gives %v (error %v)\n want  %v", expr, got, err, want)
}

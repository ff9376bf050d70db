// Package keepaliveprom exports what a keepalive.Tracker knows to
// Prometheus: a client_golang Collector that reads the tracked
// connections from the kernel at each scrape.
//
//	tracker := keepalive.NewTracker(keepalive.TrackerOptions{})
//	prometheus.MustRegister(keepaliveprom.NewCollector(tracker))
//
// Per peer host (the tracker's bounded peer names): the tracked
// connections by verdict, the keep-alive probes outstanding, the
// retransmission timeouts in a row and the smoothed round-trip time; the
// peer-gone closes by cause and the pool checks by outcome, counted since
// the tracker began; and, over all peers, a histogram of the time from
// the last packet received to the peer declared gone. The names follow
// OpenTelemetry's, as contrib/keepaliveotel exports them through
// OpenTelemetry's Prometheus exporter; docs/telemetry.md lists them and
// why this is a Collector; the modules' one vocabulary is in
// docs/integrations.md#vocabulary.
package keepaliveprom

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/tally"
)

// Label names, as OpenTelemetry's attribute names read in Prometheus.
const (
	labelPeer    = "network_peer_address"
	labelVerdict = "keepalive_verdict"
	labelCause   = "keepalive_cause"
	labelOutcome = "keepalive_pool_outcome"
)

// DefaultTimeout bounds one collection of the tracked connections
// unless WithTimeout says otherwise: Prometheus's default scrape
// timeout.
const DefaultTimeout = 10 * time.Second

// An Option configures a Collector.
type Option func(*Collector)

// WithTimeout bounds how long one scrape reads the tracked connections;
// past it the scrape fails with an error saying so. d ≤ 0 means
// DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *Collector) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// A Collector is a prometheus.Collector for a keepalive.Tracker. Each
// Collect reads every tracked connection from the kernel (Tracker.Collect)
// and the tracker's counts; nothing is read between scrapes.
//
// A nil tracker fails registration with an error. A closed tracker, or
// a reading that runs out of time, fails the scrape with an error naming
// the cause; the counts are still sent.
type Collector struct {
	t       *keepalive.Tracker
	timeout time.Duration

	connections, probes, retransmits, rtt *prometheus.Desc
	gone, poolChecks, detection           *prometheus.Desc
	bounds                                []float64 // the detection histogram's, in seconds

	mu     sync.Mutex // one Collect at a time: the tallies are reused
	peers  *tally.Peers[tally.Peer]
	counts []keepalive.Counts
}

// NewCollector returns a Collector for t.
func NewCollector(t *keepalive.Tracker, opts ...Option) *Collector {
	c := &Collector{
		t:       t,
		timeout: DefaultTimeout,
		peers:   tally.NewPeers(func(name string) *tally.Peer { return &tally.Peer{Name: name} }, func(p *tally.Peer) *tally.Peer { return p }),
		connections: prometheus.NewDesc("keepalive_tcp_connections",
			"Tracked TCP connections, by the verdict of keepalive.Check on each at collection time.",
			[]string{labelPeer, labelVerdict}, nil),
		probes: prometheus.NewDesc("keepalive_tcp_probes",
			"Keep-alive probes sent and not yet answered, summed over the peer's tracked connections (tcpi_probes).",
			[]string{labelPeer}, nil),
		retransmits: prometheus.NewDesc("keepalive_tcp_recurring_retransmits",
			"Retransmission timeouts in a row of each connection's oldest unacknowledged segment, summed over the peer's tracked connections (tcpi_retransmits).",
			[]string{labelPeer}, nil),
		rtt: prometheus.NewDesc("keepalive_tcp_rtt_seconds",
			"Mean smoothed round-trip time of the peer's tracked connections still open (tcpi_rtt).",
			[]string{labelPeer}, nil),
		gone: prometheus.NewDesc("keepalive_tcp_peer_gone_total",
			"Tracked connections whose peer was declared gone (timeout, reset) or closed (eof), once each, since the tracker began.",
			[]string{labelPeer, labelCause}, nil),
		poolChecks: prometheus.NewDesc("keepalive_pool_checks_total",
			"Checkout checks by a pool module: kept, confirmed alive by a round trip, or discarded (with the cause), since the tracker began.",
			[]string{labelPeer, labelOutcome, labelCause}, nil),
		detection: prometheus.NewDesc("keepalive_tcp_detection_duration_seconds",
			"Time from the last packet received from the peer to the peer declared gone (timeout and reset), all peers.",
			nil, nil),
	}
	for _, b := range keepalive.GoneAfterBounds() {
		c.bounds = append(c.bounds, b.Seconds())
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

var errNilTracker = errors.New("keepaliveprom: NewCollector was given a nil *keepalive.Tracker")

// Describe sends the descriptors of every metric the Collector makes.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	if c.t == nil {
		ch <- prometheus.NewInvalidDesc(errNilTracker)
		return
	}
	for _, d := range []*prometheus.Desc{c.connections, c.probes, c.retransmits, c.rtt, c.gone, c.poolChecks, c.detection} {
		ch <- d
	}
}

// Collect reads the tracked connections and the tracker's counts and
// sends them as metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	if c.t == nil {
		ch <- prometheus.NewInvalidMetric(c.connections, errNilTracker)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.read(); err != nil {
		ch <- prometheus.NewInvalidMetric(c.connections, err)
	} else {
		c.sendReadings(ch)
	}
	c.sendCounts(ch)
}

// read tallies every tracked connection by peer.
func (c *Collector) read() error {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	return c.peers.Collect(ctx, c.t, "keepaliveprom")
}

func (c *Collector) sendReadings(ch chan<- prometheus.Metric) {
	for _, p := range c.peers.Order {
		if !p.Seen {
			continue
		}
		for _, v := range keepalive.Verdicts {
			ch <- prometheus.MustNewConstMetric(c.connections, prometheus.GaugeValue, float64(p.Verdicts[v]), p.Name, v.String())
		}
		if p.AnyProbes {
			ch <- prometheus.MustNewConstMetric(c.probes, prometheus.GaugeValue, float64(p.Probes), p.Name)
		}
		if p.AnyRx {
			ch <- prometheus.MustNewConstMetric(c.retransmits, prometheus.GaugeValue, float64(p.Retrans), p.Name)
		}
		if mean, ok := p.MeanRTT(); ok {
			ch <- prometheus.MustNewConstMetric(c.rtt, prometheus.GaugeValue, mean, p.Name)
		}
	}
}

func (c *Collector) sendCounts(ch chan<- prometheus.Metric) {
	// Copied first, sent after: a send waits for the registry, and the
	// tracker's counts should not wait with it.
	c.counts = c.counts[:0]
	err := c.t.PeerCounts(func(n *keepalive.Counts) bool {
		c.counts = append(c.counts, *n)
		return true
	})
	for i := range c.counts {
		n := &c.counts[i]
		for _, cause := range tally.GoneCauses {
			ch <- prometheus.MustNewConstMetric(c.gone, prometheus.CounterValue, float64(n.Gone[cause]), n.Peer, cause.String())
		}
		if n.PoolChecks == [len(n.PoolChecks)]uint64{} {
			continue // a peer no pool module checked: no series of zeros
		}
		for _, o := range []keepalive.PoolOutcome{keepalive.PoolKept, keepalive.PoolConfirmed} {
			ch <- prometheus.MustNewConstMetric(c.poolChecks, prometheus.CounterValue, float64(n.PoolChecks[o]), n.Peer, o.String(), "")
		}
		for _, cause := range keepalive.Causes {
			ch <- prometheus.MustNewConstMetric(c.poolChecks, prometheus.CounterValue, float64(n.PoolDiscards[cause]),
				n.Peer, keepalive.PoolDiscarded.String(), cause.String())
		}
	}
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.gone, fmt.Errorf("keepaliveprom: reading the tracker's counts: %w", err))
	}
	h := c.t.GoneAfter()
	buckets := make(map[float64]uint64, len(c.bounds))
	for i, b := range c.bounds {
		if i < len(h.Buckets) {
			buckets[b] = h.Buckets[i]
		}
	}
	ch <- prometheus.MustNewConstHistogram(c.detection, h.Count, h.Sum.Seconds(), buckets)
}

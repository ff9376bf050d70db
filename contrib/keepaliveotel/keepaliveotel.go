// Package keepaliveotel exports what a keepalive.Tracker knows through
// the OpenTelemetry metric API: observable instruments that read the
// tracked connections from the kernel at each collection, and a
// histogram of how long each dead peer took to be declared gone.
//
//	tracker := keepalive.NewTracker(keepalive.TrackerOptions{})
//	reg, err := keepaliveotel.Register(tracker, otel.GetMeterProvider())
//	defer reg.Unregister()
//
// Per peer host (the tracker's bounded peer names, as the
// network.peer.address attribute): the tracked connections by verdict,
// the keep-alive probes outstanding, the retransmission timeouts in a
// row and the smoothed round-trip time; the peer-gone closes by cause and
// the pool checks by outcome, counted since the tracker began. The
// instruments' names, units and their relation to OpenTelemetry's
// proposed system.network.tcp.* conventions and gRPC's A80 are in
// docs/telemetry.md; the modules' one vocabulary in
// docs/integrations.md#vocabulary.
package keepaliveotel

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/tally"
)

// ScopeName is the instrumentation scope of the instruments.
const ScopeName = "github.com/tcpkeepalive/keepalive/contrib/keepaliveotel"

// Instrument names.
const (
	Connections         = "keepalive.tcp.connections"
	Probes              = "keepalive.tcp.probes"
	RecurringRetransmit = "keepalive.tcp.recurring_retransmits"
	RTT                 = "keepalive.tcp.rtt"
	PeerGone            = "keepalive.tcp.peer_gone"
	PoolChecks          = "keepalive.pool.checks"
	DetectionDuration   = "keepalive.tcp.detection.duration"
)

// Attribute keys.
const (
	PeerKey        = attribute.Key("network.peer.address")
	VerdictKey     = attribute.Key("keepalive.verdict")
	CauseKey       = attribute.Key("keepalive.cause")
	PoolOutcomeKey = attribute.Key("keepalive.pool.outcome")
)

// CardinalityLimit returns the OpenTelemetry SDK cardinality limit
// (sdkmetric.WithCardinalityLimit) under which no point of these
// instruments is folded into the SDK's overflow point, for a Tracker
// whose TrackerOptions.MaxPeers is maxPeers: 7008 for the default. The
// SDK's own default, 2000, holds 285 peers that all have every kind of
// pool check; docs/telemetry.md shows the arithmetic.
func CardinalityLimit(maxPeers int) int {
	switch {
	case maxPeers == 0:
		maxPeers = keepalive.DefaultMaxPeers
	case maxPeers < 0:
		maxPeers = 0
	}
	// The most points one instrument has per peer name: the pool checks,
	// kept, confirmed, and discarded by each cause.
	perPeer := max(len(keepalive.Verdicts), len(tally.GoneCauses), len(keepalive.PoolOutcomes)-1+len(keepalive.Causes))
	// The names and OtherPeers; and the SDK holds limit-1 attribute sets,
	// keeping the last point for the overflow.
	return perPeer*(maxPeers+1) + 1
}

// A Registration is what Register set up.
type Registration struct {
	once   sync.Once
	reg    metric.Registration
	cancel func()
}

// Unregister stops the instruments' readings and the histogram's
// recording. Calling it again does nothing; a nil r returns an error.
func (r *Registration) Unregister() error {
	if r == nil {
		return errors.New("keepaliveotel: Unregister of a nil *Registration (Register failed)")
	}
	var err error
	r.once.Do(func() {
		r.cancel()
		err = r.reg.Unregister()
	})
	return err
}

// Register creates the instruments on a Meter of mp and has them read
// t at each collection: the tracked connections through Tracker.Collect
// (bounded by the collection's context), the counts through
// Tracker.PeerCounts. From then on each timeout or reset t counts with a
// known time since the last packet received is recorded in the
// detection histogram.
//
// It fails for a nil t or mp (a nil *sdkmetric.MeterProvider too). A
// collection of a closed tracker reports its counts and an error
// wrapping keepalive.ErrTrackerClosed.
func Register(t *keepalive.Tracker, mp metric.MeterProvider) (*Registration, error) {
	switch {
	case t == nil:
		return nil, errors.New("keepaliveotel: Register was given a nil *keepalive.Tracker")
	case isNil(mp):
		return nil, errors.New("keepaliveotel: Register was given a nil metric.MeterProvider")
	}
	m := mp.Meter(ScopeName)
	o := &observer{t: t, peers: tally.NewPeers(newPeer, func(p *peer) *tally.Peer { return &p.Peer })}
	var err error
	var errs []error
	add := func(e error) { errs = append(errs, e) }
	o.conns, err = m.Int64ObservableUpDownCounter(Connections, metric.WithUnit("{connection}"),
		metric.WithDescription("Tracked TCP connections, by the verdict of keepalive.Check on each at collection time."))
	add(err)
	o.probes, err = m.Int64ObservableUpDownCounter(Probes, metric.WithUnit("{probe}"),
		metric.WithDescription("Keep-alive probes sent and not yet answered, summed over the peer's tracked connections (tcpi_probes)."))
	add(err)
	o.retrans, err = m.Int64ObservableUpDownCounter(RecurringRetransmit, metric.WithUnit("{retransmission}"),
		metric.WithDescription("Retransmission timeouts in a row of each connection's oldest unacknowledged segment, summed over the peer's tracked connections (tcpi_retransmits)."))
	add(err)
	o.rtt, err = m.Float64ObservableGauge(RTT, metric.WithUnit("s"),
		metric.WithDescription("Mean smoothed round-trip time of the peer's tracked connections still open (tcpi_rtt)."))
	add(err)
	o.gone, err = m.Int64ObservableCounter(PeerGone, metric.WithUnit("{connection}"),
		metric.WithDescription("Tracked connections whose peer was declared gone (timeout, reset) or closed (eof), once each, since the tracker began."))
	add(err)
	o.pool, err = m.Int64ObservableCounter(PoolChecks, metric.WithUnit("{check}"),
		metric.WithDescription("Checkout checks by a pool module: kept, confirmed alive by a round trip, or discarded (with the cause), since the tracker began."))
	add(err)
	var bounds []float64
	for _, b := range keepalive.GoneAfterBounds() {
		bounds = append(bounds, b.Seconds())
	}
	detection, err := m.Float64Histogram(DetectionDuration, metric.WithUnit("s"),
		metric.WithDescription("Time from the last packet received from the peer to the peer declared gone (timeout and reset), all peers."),
		metric.WithExplicitBucketBoundaries(bounds...))
	add(err)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("keepaliveotel: creating the instruments: %w", err)
	}
	reg, err := m.RegisterCallback(o.observe, o.conns, o.probes, o.retrans, o.rtt, o.gone, o.pool)
	if err != nil {
		return nil, fmt.Errorf("keepaliveotel: registering the callback: %w", err)
	}
	cancel := t.Subscribe(func(e keepalive.Event) {
		if e.Kind == keepalive.EventGone && e.SinceReceived >= 0 &&
			(e.Cause == keepalive.CauseTimeout || e.Cause == keepalive.CauseReset) {
			detection.Record(context.Background(), e.SinceReceived.Seconds())
		}
	})
	return &Registration{reg: reg, cancel: cancel}, nil
}

// isNil reports whether mp is nil or holds a nil pointer (a
// *sdkmetric.MeterProvider never set), whose Meter would panic.
func isNil(mp metric.MeterProvider) bool {
	if mp == nil {
		return true
	}
	v := reflect.ValueOf(mp)
	switch v.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Interface, reflect.Slice, reflect.Chan:
		return v.IsNil()
	}
	return false
}

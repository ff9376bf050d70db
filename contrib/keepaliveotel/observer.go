package keepaliveotel

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/tally"
)

// observer reads a Tracker for the observable instruments.
type observer struct {
	t                      *keepalive.Tracker
	conns, probes, retrans metric.Int64ObservableUpDownCounter
	rtt                    metric.Float64ObservableGauge
	gone, pool             metric.Int64ObservableCounter
	mu                     sync.Mutex // one collection at a time: the tallies are reused
	peers                  *tally.Peers[peer]
}

// peer is one peer host's tally in a collection, and its attribute
// sets, made once.
type peer struct {
	tally.Peer

	all      metric.ObserveOption
	verdict  [len(keepalive.Verdicts)]metric.ObserveOption
	goneBy   [len(keepalive.Causes)]metric.ObserveOption
	outcome  [len(keepalive.PoolOutcomes)]metric.ObserveOption
	discards [len(keepalive.Causes)]metric.ObserveOption
}

func newPeer(name string) *peer {
	a := PeerKey.String(name)
	p := &peer{Peer: tally.Peer{Name: name}, all: metric.WithAttributeSet(attribute.NewSet(a))}
	for _, v := range keepalive.Verdicts {
		p.verdict[v] = metric.WithAttributeSet(attribute.NewSet(a, VerdictKey.String(v.String())))
	}
	for _, c := range keepalive.Causes {
		p.goneBy[c] = metric.WithAttributeSet(attribute.NewSet(a, CauseKey.String(c.String())))
		p.discards[c] = metric.WithAttributeSet(attribute.NewSet(a, PoolOutcomeKey.String(keepalive.PoolDiscarded.String()), CauseKey.String(c.String())))
	}
	for _, o := range keepalive.PoolOutcomes {
		p.outcome[o] = metric.WithAttributeSet(attribute.NewSet(a, PoolOutcomeKey.String(o.String())))
	}
	return p
}

func (o *observer) observe(ctx context.Context, obs metric.Observer) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	err := o.peers.Collect(ctx, o.t, "keepaliveotel")
	if err == nil {
		for _, p := range o.peers.Order {
			if !p.Seen {
				continue
			}
			for _, v := range keepalive.Verdicts {
				if p.Verdicts[v] > 0 {
					obs.ObserveInt64(o.conns, p.Verdicts[v], p.verdict[v])
				}
			}
			if p.AnyProbes {
				obs.ObserveInt64(o.probes, p.Probes, p.all)
			}
			if p.AnyRx {
				obs.ObserveInt64(o.retrans, p.Retrans, p.all)
			}
			if mean, ok := p.MeanRTT(); ok {
				obs.ObserveFloat64(o.rtt, mean, p.all)
			}
		}
	}
	cerr := o.t.PeerCounts(func(c *keepalive.Counts) bool {
		p := o.peers.Named(c.Peer)
		// Zeros are left out: each point counts against the SDK's
		// cardinality limit (docs/telemetry.md).
		for _, cause := range tally.GoneCauses {
			if n := c.Gone[cause]; n > 0 {
				obs.ObserveInt64(o.gone, int64(n), p.goneBy[cause])
			}
		}
		for _, o2 := range []keepalive.PoolOutcome{keepalive.PoolKept, keepalive.PoolConfirmed} {
			if n := c.PoolChecks[o2]; n > 0 {
				obs.ObserveInt64(o.pool, int64(n), p.outcome[o2])
			}
		}
		for _, cause := range keepalive.Causes {
			if n := c.PoolDiscards[cause]; n > 0 {
				obs.ObserveInt64(o.pool, int64(n), p.discards[cause])
			}
		}
		return true
	})
	if cerr != nil {
		cerr = fmt.Errorf("keepaliveotel: reading the tracker's counts: %w", cerr)
	}
	return errors.Join(err, cerr)
}

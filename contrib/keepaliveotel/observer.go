package keepaliveotel

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/tcpkeepalive/keepalive"
)

// observer reads a Tracker for the observable instruments.
type observer struct {
	t                      *keepalive.Tracker
	conns, probes, retrans metric.Int64ObservableUpDownCounter
	rtt                    metric.Float64ObservableGauge
	gone, pool             metric.Int64ObservableCounter
	mu                     sync.Mutex // one collection at a time: the tallies are reused
	peers                  map[string]*peer
	order                  []*peer
}

// peer is one peer host's tally in a collection, and its attribute
// sets, made once.
type peer struct {
	name             string
	seen             bool
	verdicts         [len(keepalive.Verdicts)]int64
	probes, retrans  int64
	rttSum           time.Duration
	rttCount         int
	anyProbes, anyRx bool

	all      metric.ObserveOption
	verdict  [len(keepalive.Verdicts)]metric.ObserveOption
	goneBy   [len(keepalive.Causes)]metric.ObserveOption
	outcome  [len(keepalive.PoolOutcomes)]metric.ObserveOption
	discards [len(keepalive.Causes)]metric.ObserveOption
}

func newPeer(name string) *peer {
	name = strings.Clone(name)
	a := PeerKey.String(name)
	p := &peer{name: name, all: metric.WithAttributeSet(attribute.NewSet(a))}
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

func (o *observer) named(name string) *peer {
	p := o.peers[name]
	if p == nil {
		// A new peer name: the tracker has at most MaxPeers+1.
		p = newPeer(name)
		o.peers[p.name] = p
		o.order = append(o.order, p)
	}
	return p
}

// goneCauses are the causes a peer-gone close has.
var goneCauses = []keepalive.Cause{keepalive.CauseTimeout, keepalive.CauseReset, keepalive.CauseEOF}

func (o *observer) observe(ctx context.Context, obs metric.Observer) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, p := range o.order {
		p.seen, p.verdicts, p.probes, p.retrans, p.rttSum, p.rttCount, p.anyProbes, p.anyRx = false, [len(p.verdicts)]int64{}, 0, 0, 0, 0, false, false
	}
	start := time.Now()
	n := 0
	var p *peer // the last reading's peer: connections to one peer often come in a row
	err := o.t.Collect(ctx, func(r *keepalive.Reading) bool {
		n++
		if p == nil || p.name != r.Peer {
			p = o.named(r.Peer)
		}
		p.seen = true
		if int(r.Verdict) < len(p.verdicts) {
			p.verdicts[r.Verdict]++
		}
		if r.Probes >= 0 {
			p.probes += int64(r.Probes)
			p.anyProbes = true
		}
		if r.Retransmissions >= 0 {
			p.retrans += int64(r.Retransmissions)
			p.anyRx = true
		}
		if r.RTT > 0 && (r.Verdict == keepalive.VerdictLive || r.Verdict == keepalive.VerdictSuspect) {
			p.rttSum += r.RTT
			p.rttCount++
		}
		return true
	})
	if err != nil {
		err = fmt.Errorf("keepaliveotel: reading the tracked connections (%d read in %v): %w",
			n, time.Since(start).Round(time.Millisecond), err)
	} else {
		for _, p := range o.order {
			if !p.seen {
				continue
			}
			for _, v := range keepalive.Verdicts {
				if p.verdicts[v] > 0 {
					obs.ObserveInt64(o.conns, p.verdicts[v], p.verdict[v])
				}
			}
			if p.anyProbes {
				obs.ObserveInt64(o.probes, p.probes, p.all)
			}
			if p.anyRx {
				obs.ObserveInt64(o.retrans, p.retrans, p.all)
			}
			if p.rttCount > 0 {
				obs.ObserveFloat64(o.rtt, p.rttSum.Seconds()/float64(p.rttCount), p.all)
			}
		}
	}
	cerr := o.t.PeerCounts(func(c *keepalive.Counts) bool {
		p := o.named(c.Peer)
		// Zeros are left out: each point counts against the SDK's
		// cardinality limit (docs/telemetry.md).
		for _, cause := range goneCauses {
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

// Package tally sums a Tracker's readings by peer host, for the modules
// that export them (keepaliveotel, keepaliveprom).
package tally

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// A Peer is one peer host's readings in a collection.
type Peer struct {
	Name             string
	Seen             bool
	Verdicts         [len(keepalive.Verdicts)]int64
	Probes, Retrans  int64
	RTTSum           time.Duration
	RTTCount         int
	AnyProbes, AnyRx bool // some connection reported them (a system may not)
}

// Add counts r, one of p's connections.
func (p *Peer) Add(r *keepalive.Reading) {
	p.Seen = true
	if int(r.Verdict) < len(p.Verdicts) {
		p.Verdicts[r.Verdict]++
	}
	if r.Probes >= 0 {
		p.Probes += int64(r.Probes)
		p.AnyProbes = true
	}
	if r.Retransmissions >= 0 {
		p.Retrans += int64(r.Retransmissions)
		p.AnyRx = true
	}
	if r.RTT > 0 && (r.Verdict == keepalive.VerdictLive || r.Verdict == keepalive.VerdictSuspect) {
		p.RTTSum += r.RTT
		p.RTTCount++
	}
}

// MeanRTT is the mean smoothed round-trip time, in seconds, of p's
// connections still open, and whether any had one.
func (p *Peer) MeanRTT() (float64, bool) {
	if p.RTTCount == 0 {
		return 0, false
	}
	return p.RTTSum.Seconds() / float64(p.RTTCount), true
}

// GoneCauses are the causes a peer-gone close has.
var GoneCauses = []keepalive.Cause{keepalive.CauseTimeout, keepalive.CauseReset, keepalive.CauseEOF}

// Peers holds a module's value for each peer host, T, which holds that
// peer's Peer: by name, and in the order first seen.
type Peers[T any] struct {
	byName map[string]*T
	Order  []*T
	newT   func(name string) *T
	tally  func(*T) *Peer
}

// NewPeers returns an empty Peers whose values newT makes, for a name of
// their own, and whose Peer tally returns.
func NewPeers[T any](newT func(name string) *T, tally func(*T) *Peer) *Peers[T] {
	return &Peers[T]{byName: map[string]*T{}, newT: newT, tally: tally}
}

// Named returns name's value, made the first time (the tracker names at
// most MaxPeers+1).
func (s *Peers[T]) Named(name string) *T {
	v := s.byName[name]
	if v == nil {
		name = strings.Clone(name) // the tracker's string may be reused
		v = s.newT(name)
		s.byName[name] = v
		s.Order = append(s.Order, v)
	}
	return v
}

// Collect zeroes every peer's Peer, then adds each connection t reads to
// its peer's. Its error, t.Collect's, says what module stopped reading,
// after how many connections and how long.
func (s *Peers[T]) Collect(ctx context.Context, t *keepalive.Tracker, module string) error {
	for _, v := range s.Order {
		p := s.tally(v)
		*p = Peer{Name: p.Name}
	}
	start := time.Now()
	n := 0
	var p *Peer // the last reading's peer: connections to one peer often come in a row
	err := t.Collect(ctx, func(r *keepalive.Reading) bool {
		n++
		if p == nil || p.Name != r.Peer {
			p = s.tally(s.Named(r.Peer))
		}
		p.Add(r)
		return true
	})
	if err != nil {
		return fmt.Errorf("%s: reading the tracked connections (%d read in %v): %w",
			module, n, time.Since(start).Round(time.Millisecond), err)
	}
	return nil
}

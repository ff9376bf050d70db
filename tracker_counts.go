package keepalive

import (
	"errors"
	"io"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/tcpkeepalive/keepalive/internal/kernel"
)

// A Cause is why a connection ended or why a pool discarded it.
type Cause uint8

// The causes.
const (
	CauseTimeout    Cause = iota // the kernel gave up: keep-alive, user timeout or retransmissions
	CauseReset                   // reset by the peer or a middlebox (or dropped earlier: EPIPE)
	CauseEOF                     // the peer's orderly close (FIN)
	CauseUnanswered              // pool discards only: a suspect not confirmed alive
	CauseOther                   // pool discards only: any other error
)

const numCauses = 5

var causeNames = [numCauses]string{"timeout", "reset", "eof", "unanswered", "other"}

// String returns "timeout", "reset", "eof", "unanswered" or "other".
func (c Cause) String() string {
	if int(c) < len(causeNames) {
		return causeNames[c]
	}
	return "unknown"
}

// Causes lists every Cause, in order.
var Causes = [numCauses]Cause{CauseTimeout, CauseReset, CauseEOF, CauseUnanswered, CauseOther}

// GoneCause classifies an error that ended a connection: CauseReset for
// a reset or an abort (ECONNRESET, ECONNABORTED, EPIPE), CauseTimeout
// for the other errors IsPeerGone reports, CauseEOF for io.EOF; ok is
// false for any other error, nil included.
func GoneCause(err error) (c Cause, ok bool) {
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, io.EOF):
		return CauseEOF, true
	case !IsPeerGone(err):
		return 0, false
	}
	for _, gone := range kernel.PeerGone {
		if gone.Reset && errors.Is(err, gone.Err) {
			return CauseReset, true
		}
	}
	return CauseTimeout, true
}

// A PoolOutcome is what a pool did with a connection after checking it.
type PoolOutcome uint8

// The pool outcomes.
const (
	PoolKept      PoolOutcome = iota // the check passed; handed out
	PoolConfirmed                    // a suspect, confirmed alive by a round trip; handed out
	PoolDiscarded                    // discarded, for the Cause of the error reported with it
)

const numOutcomes = 3

var outcomeNames = [numOutcomes]string{"kept", "confirmed", "discarded"}

// String returns "kept", "confirmed" or "discarded".
func (o PoolOutcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// PoolOutcomes lists every PoolOutcome, in order.
var PoolOutcomes = [numOutcomes]PoolOutcome{PoolKept, PoolConfirmed, PoolDiscarded}

// Counts are a Tracker's cumulative counts for one peer host, or for
// OtherPeers. They only grow while the Tracker lives.
type Counts struct {
	Peer         string
	Gone         [numCauses]uint64   // peer-gone closes by Cause (timeout, reset, eof), once per connection
	PoolChecks   [numOutcomes]uint64 // pool checks by PoolOutcome; their sum is the checks made
	PoolDiscards [numCauses]uint64   // pool discards by Cause
}

// PeerCounts calls f with the counts of each peer host t has seen, and
// last with OtherPeers', until f returns false; c is reused. It works
// on a closed t too.
func (t *Tracker) PeerCounts(f func(c *Counts) bool) error {
	if t == nil {
		return ErrNilTracker
	}
	b := *t.peers.buckets.Load()
	var c Counts
	for i := range b {
		p := b[(i+1)%len(b)] // OtherPeers, bucket 0, last
		c.Peer = p.name
		for j := range c.Gone {
			c.Gone[j] = p.gone[j].Load()
			c.PoolDiscards[j] = p.discards[j].Load()
		}
		for j := range c.PoolChecks {
			c.PoolChecks[j] = p.pool[j].Load()
		}
		if !f(&c) {
			break
		}
	}
	return nil
}

// A Histogram is a cumulative histogram of durations, as Prometheus has
// them: Buckets[i] counts the observations at most GoneAfterBounds()[i].
type Histogram struct {
	Count   uint64
	Sum     time.Duration
	Buckets [numBounds]uint64
}

var goneAfterBounds = [numBounds]time.Duration{
	500 * time.Millisecond, time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second,
	20 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 20 * time.Minute,
}

const numBounds = 12

// GoneAfterBounds returns the upper bounds of GoneAfter's buckets, from
// 0.5s to 20m.
func GoneAfterBounds() []time.Duration { return append([]time.Duration(nil), goneAfterBounds[:]...) }

// GoneAfter returns the histogram of the time from the last packet
// received to the moment Check, Inspect or a module saw the peer gone,
// over timeout and reset closes of every peer. It works on a closed t.
func (t *Tracker) GoneAfter() Histogram {
	if t == nil {
		return Histogram{}
	}
	h := Histogram{Count: t.events.count.Load(), Sum: time.Duration(t.events.sum.Load())}
	var n uint64
	for i := range h.Buckets {
		n += t.events.buckets[i].Load()
		h.Buckets[i] = n
	}
	return h
}

// A peerTable names the peer hosts, up to a cap; bucket 0 is OtherPeers.
type peerTable struct {
	max     int
	byAddr  map[netip.Addr]int32 // under Tracker.mu
	buckets atomic.Pointer[[]*peerBucket]
}

type peerBucket struct {
	name     string
	gone     [numCauses]atomic.Uint64
	pool     [numOutcomes]atomic.Uint64
	discards [numCauses]atomic.Uint64
}

func (p *peerTable) init(max int) {
	if max == 0 {
		max = DefaultMaxPeers
	}
	p.max, p.byAddr = max, make(map[netip.Addr]int32)
	p.buckets.Store(&[]*peerBucket{{name: OtherPeers}})
}

// bucket returns a's bucket, naming a if the cap allows. Called with
// Tracker.mu held.
func (p *peerTable) bucket(a netip.Addr) int32 {
	if !a.IsValid() {
		return 0
	}
	a = a.Unmap().WithZone("")
	if i, ok := p.byAddr[a]; ok {
		return i
	}
	old := *p.buckets.Load()
	if len(old) > p.max {
		return 0
	}
	b := append(old[:len(old):len(old)], &peerBucket{name: a.String()})
	p.buckets.Store(&b)
	p.byAddr[a] = int32(len(b) - 1)
	return int32(len(b) - 1)
}

func (p *peerTable) get(i int32) *peerBucket { return (*p.buckets.Load())[i] }

func (p *peerTable) name(i int32) string { return p.get(i).name }

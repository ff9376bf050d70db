package keepalive

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
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
// a reset (ECONNRESET, ECONNABORTED, EPIPE), CauseTimeout for the other
// errors IsPeerGone reports, CauseEOF for io.EOF; ok is false for any
// other error, nil included.
func GoneCause(err error) (c Cause, ok bool) {
	switch {
	case err == nil:
		return 0, false
	case errors.Is(err, io.EOF):
		return CauseEOF, true
	case !IsPeerGone(err):
		return 0, false
	}
	for _, r := range resetErrors {
		if errors.Is(err, r) {
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

// An EventKind says what an Event records.
type EventKind uint8

// The event kinds.
const (
	EventGone      EventKind = iota // a peer-gone close, once per connection
	EventPoolCheck                  // a pool check
)

// An Event is a peer-gone close or a pool check a Tracker counted.
type Event struct {
	Kind    EventKind
	Peer    string      // the peer host or OtherPeers: a bounded label
	Cause   Cause       // EventGone, and EventPoolCheck with PoolDiscarded
	Outcome PoolOutcome // EventPoolCheck

	// SinceReceived is, for EventGone, the time from the last packet
	// received to the close seen; -1 when unknown or for an eof close
	// (then not in GoneAfter).
	SinceReceived time.Duration
}

// Subscribe has f called with every event t counts from now on,
// synchronously in the goroutine that reports it (OpenTelemetry's
// histograms are synchronous): f must be quick and must not block.
// cancel stops the calls; it is idempotent. A nil or closed t returns a
// cancel that does nothing.
func (t *Tracker) Subscribe(f func(Event)) (cancel func()) {
	if t.usable() != nil || f == nil {
		return func() {}
	}
	s := &subscriber{f: f}
	t.events.mu.Lock()
	l := append(append([]*subscriber(nil), t.events.subs()...), s)
	t.events.subscribers.Store(&l)
	t.events.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			t.events.mu.Lock()
			var l []*subscriber
			for _, o := range t.events.subs() {
				if o != s {
					l = append(l, o)
				}
			}
			t.events.subscribers.Store(&l)
			t.events.mu.Unlock()
		})
	}
}

type subscriber struct{ f func(Event) }

// eventCounts are a Tracker's histogram and subscribers.
type eventCounts struct {
	count, sum  atomic.Uint64
	buckets     [numBounds + 1]atomic.Uint64 // the last above every bound
	mu          sync.Mutex                   // serializes changes of subscribers
	subscribers atomic.Pointer[[]*subscriber]
}

func (e *eventCounts) subs() []*subscriber {
	if l := e.subscribers.Load(); l != nil {
		return *l
	}
	return nil
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

// ReportError records that err was seen on conn, on a module's error
// path: when err is a peer-gone error or io.EOF (GoneCause) and conn is
// tracked, its Tracker counts a peer-gone close, once per connection,
// reading the time since the last packet for GoneAfter. Report before
// closing conn. Any other error, a nil or untracked conn are ignored.
func ReportError(conn net.Conn, err error) {
	if c, ok := GoneCause(err); ok {
		reportGone(conn, c, -2)
	}
}

// ReportPoolCheck records a pool's checkout check of conn, if tracked:
// the outcome, and for PoolDiscarded the error that decided it, whose
// Cause is GoneCause's, CauseUnanswered for ErrUnanswered, or
// CauseOther. A discard for a peer-gone cause also counts the close, as
// ReportError does. Report before closing conn.
func ReportPoolCheck(conn net.Conn, outcome PoolOutcome, err error) {
	if outcome >= numOutcomes {
		return
	}
	ts := trackers.Load()
	if ts == nil || len(*ts) == 0 {
		return
	}
	fd, ferr := connFD(conn)
	if ferr != nil {
		return
	}
	cause, gone := GoneCause(err)
	if outcome == PoolDiscarded && !gone {
		cause = CauseOther
		if errors.Is(err, ErrUnanswered) {
			cause = CauseUnanswered
		}
	}
	for _, t := range *ts {
		i, _, ok := t.lookup(fd, false)
		if !ok {
			continue
		}
		b := t.peers.get(i)
		b.pool[outcome].Add(1)
		ev := Event{Kind: EventPoolCheck, Peer: b.name, Outcome: outcome, SinceReceived: -1}
		if outcome == PoolDiscarded {
			b.discards[cause].Add(1)
			ev.Cause = cause
		}
		t.emit(ev)
	}
	if outcome == PoolDiscarded && gone {
		reportGone(conn, cause, -2)
	}
}

// noteHealth counts the close a Check or Inspect of a tracked conn read.
func noteHealth(conn net.Conn, h *Health, err error) {
	if ts := trackers.Load(); err != nil || ts == nil || len(*ts) == 0 {
		return
	}
	switch {
	case h.State == TCPClosed && h.Err != nil:
		if c, ok := GoneCause(h.Err); ok {
			reportGone(conn, c, h.SinceReceived)
		}
	case h.State.finReceived():
		reportGone(conn, CauseEOF, -1)
	}
}

// reportGone counts a close of cause on conn in each Tracker that tracks
// it and has not counted one; since -2 reads it from the socket.
func reportGone(conn net.Conn, cause Cause, since time.Duration) {
	ts := trackers.Load()
	if ts == nil || len(*ts) == 0 {
		return
	}
	fd, err := connFD(conn)
	if err != nil {
		return
	}
	if cause == CauseEOF {
		since = -1
	}
	for _, t := range *ts {
		i, first, ok := t.lookup(fd, true)
		if !ok || !first {
			continue
		}
		if since == -2 {
			since = -1
			if withSocket(fd, func(s uintptr) { since = sinceReceived(s) }) != nil {
				since = -1
			}
		}
		b := t.peers.get(i)
		b.gone[cause].Add(1)
		if since >= 0 {
			t.events.count.Add(1)
			t.events.sum.Add(uint64(since))
			k := 0
			for k < numBounds && since > goneAfterBounds[k] {
				k++
			}
			t.events.buckets[k].Add(1)
		}
		t.emit(Event{Kind: EventGone, Peer: b.name, Cause: cause, SinceReceived: since})
	}
}

// lookup finds the tracked socket fd: its peer bucket, and, when
// markGone asks, whether this is the first close counted for it.
func (t *Tracker) lookup(fd unsafe.Pointer, markGone bool) (peer int32, first, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i, ok := t.index[uintptr(fd)]
	if !ok || int(i) >= len(t.entries) || unsafe.Pointer(t.entries[i].fd.Value()) != fd {
		return 0, false, false
	}
	e := &t.entries[i]
	first = markGone && !e.gone
	if markGone {
		e.gone = true
	}
	return e.peer, first, true
}

func (t *Tracker) emit(ev Event) {
	for _, s := range t.events.subs() {
		s.f(ev)
	}
}

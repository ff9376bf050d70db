package keepalive

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

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

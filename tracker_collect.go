package keepalive

import (
	"context"
	"net/netip"
	"time"
	"unsafe"
)

// A Verdict is a tracked connection's state as Check judges it.
type Verdict uint8

// The verdicts.
const (
	VerdictLive         Verdict = iota // Check would return nil
	VerdictSuspect                     // probes or retransmissions unanswered (ErrUnanswered)
	VerdictGone                        // the kernel dropped the connection
	VerdictClosedByPeer                // the peer's FIN arrived (io.EOF)
)

var verdictNames = [...]string{"live", "suspect", "gone", "closed_by_peer"}

// String returns "live", "suspect", "gone" or "closed_by_peer", usable
// as a metric label.
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "unknown"
}

// Verdicts lists every Verdict, in order.
var Verdicts = [...]Verdict{VerdictLive, VerdictSuspect, VerdictGone, VerdictClosedByPeer}

// A Reading is what Collect read of one tracked connection, from the
// kernel, as Inspect reads it (TCP_INFO on Linux) but for the pending
// error. A value the system does not report is -1 (TCPUnknown for
// State, a zero AddrPort for an address). darwin, FreeBSD and Windows
// report the state, so a connection reads gone or closed_by_peer, but
// never suspect (as for Check); other systems only the settings, and
// every connection reads live.
type Reading struct {
	Verdict   Verdict
	Peer      string         // the peer host, or OtherPeers beyond the cap: a bounded label
	PeerAddr  netip.AddrPort // the peer's address and port
	LocalAddr netip.AddrPort // the local address and port

	State           TCPState
	Probes          int           // keep-alive probes out since the peer was last heard from
	Retransmissions int           // retransmission timeouts of the oldest unacknowledged segment
	Unacked         int           // segments sent and not acknowledged
	RTT, RTO        time.Duration // smoothed round-trip time, retransmission timeout
	SinceReceived   time.Duration // time since the last packet from the peer

	// Bound is how long after the last packet received the kernel
	// declares an idle connection's peer gone (State.Timeout), from the
	// settings read back once per connection; 0 with keep-alive off.
	Bound time.Duration
}

// collectBatch is how many entries Collect copies out of the lock at a
// time, and how often it looks at its context.
const collectBatch = 256

// A collector is Collect's scratch, reused so that a collection
// allocates nothing per connection.
type collector struct {
	sockets *socketReader
	batch   [collectBatch]entry
	alive   [collectBatch]bool
	r       Reading
	sys     sysReader
	e       *entry // the entry read
	rerr    error
	read    func(fd uintptr)
}

func (t *Tracker) collector() *collector {
	if t.col == nil || t.col.sockets.rc == nil {
		c := &collector{sockets: newSocketReader()}
		c.read = func(fd uintptr) { c.rerr = c.sys.read(fd, c.e, &c.r) }
		t.col = c
	}
	return t.col
}

// Collect reads every tracked connection from the kernel and calls f
// with each reading, until f returns false; r is reused, so copy what
// you keep. Connections found closed, or collected by Go, are released.
//
// Collect takes no pending error (SO_ERROR) from a socket, so it never
// takes what the application's Read or Check would get; it reads the
// settings (Bound) once per connection, and skips a dial still
// connecting. It allocates nothing per connection. Collections run one
// at a time. f must not call t's methods other than counts.
//
// Errors: ErrNilTracker, ErrTrackerClosed (also when t is closed during
// the collection), an error for a nil ctx, and ctx's error, checked
// every 256 connections, after which f is not called again.
func (t *Tracker) Collect(ctx context.Context, f func(r *Reading) bool) error {
	if t == nil {
		return ErrNilTracker
	}
	if ctx == nil {
		return errNilContext
	}
	t.collecting.Lock()
	defer t.collecting.Unlock()
	c := t.collector()
	reading := true
	var ctxErr error
	read, kept := 0, 0
	for {
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			return ErrTrackerClosed
		}
		if reading && ctxErr == nil {
			ctxErr = ctx.Err()
		}
		n := 0
		if reading && ctxErr == nil {
			n = copy(c.batch[:], t.entries[read:])
		}
		if n == 0 {
			// Stopped or done: close the gap before what was added since.
			tail := len(t.entries) - read
			t.moveEntries(kept, read, tail)
			clear(t.entries[kept+tail:])
			t.entries = t.entries[:kept+tail]
			t.shrink()
			t.mu.Unlock()
			return ctxErr
		}
		t.mu.Unlock()
		for i := range c.batch[:n] {
			c.alive[i] = t.read(c, &c.batch[i])
			if c.alive[i] && f != nil && reading && c.r.State != TCPSynSent {
				reading = f(&c.r)
			}
		}
		t.mu.Lock()
		if t.closed {
			t.mu.Unlock()
			return ErrTrackerClosed
		}
		for i := range c.batch[:n] {
			j := read + i
			e := &t.entries[j]
			if !c.alive[i] {
				if k, ok := t.index[e.addr]; ok && int(k) == j {
					delete(t.index, e.addr)
				}
				continue
			}
			if c.batch[i].settled && !e.settled {
				e.settled, e.local, e.ka, e.bound = true, c.batch[i].local, c.batch[i].ka, c.batch[i].bound
			}
			t.moveEntries(kept, j, 1)
			kept++
		}
		t.mu.Unlock()
		clear(c.batch[:n])
		read += n
	}
}

// shrink gives memory back once most connections of a burst are gone: a
// slice keeps its capacity and a map its buckets. Called with t.mu held.
func (t *Tracker) shrink() {
	if cap(t.entries) <= 1024 || len(t.entries) >= cap(t.entries)/4 {
		return
	}
	t.entries = append(make([]entry, 0, 2*len(t.entries)), t.entries...)
	t.index = make(map[uintptr]int32, len(t.entries))
	for i, e := range t.entries {
		// A socket Go collected may share its address with a new one.
		if _, ok := t.index[e.addr]; !ok || e.fd.Value() != nil {
			t.index[e.addr] = int32(i)
		}
	}
	t.cursor = 0
}

// moveEntries moves n entries from from to to (to ≤ from), keeping the
// index. Called with t.mu held.
func (t *Tracker) moveEntries(to, from, n int) {
	if to == from {
		return
	}
	for i := range n {
		e := t.entries[from+i]
		t.entries[to+i] = e
		if k, ok := t.index[e.addr]; ok && int(k) == from+i {
			t.index[e.addr] = int32(to + i)
		}
	}
}

// read reads e's socket into c.r; false once it is closed or collected.
func (t *Tracker) read(c *collector, e *entry) bool {
	p := e.fd.Value()
	if p == nil {
		return false
	}
	c.r = Reading{
		Peer: t.peers.name(e.peer), PeerAddr: e.remote, LocalAddr: e.local,
		Probes: -1, Retransmissions: -1, Unacked: -1, RTT: -1, RTO: -1, SinceReceived: -1,
	}
	c.e, c.rerr = e, nil
	err := c.sockets.control(unsafe.Pointer(p), c.read)
	c.e = nil
	if err != nil {
		return false
	}
	c.r.LocalAddr, c.r.Bound = e.local, e.bound
	c.r.Verdict = verdict(&c.r, e)
	return true
}

// verdict judges a reading as Check would, without allocating.
func verdict(r *Reading, e *entry) Verdict {
	switch {
	case r.State == TCPClosed:
		return VerdictGone
	case r.State.finReceived():
		return VerdictClosedByPeer
	}
	h := Health{
		State: r.State, SinceReceived: r.SinceReceived, Probes: r.Probes,
		Retransmissions: r.Retransmissions, Unacked: r.Unacked, RTT: r.RTT, RTO: r.RTO,
		KeepAlive: e.ka, GivesUpIn: -1,
	}
	if h.Unanswered() {
		return VerdictSuspect
	}
	return VerdictLive
}

package keepalive

import (
	"net"
	"time"
)

// A Cause is why a connection ended or why a pool discarded it.
type Cause uint8

// The causes.
const (
	CauseTimeout    Cause = iota // the kernel gave up
	CauseReset                   // reset by the peer or a middlebox
	CauseEOF                     // the peer's orderly close
	CauseUnanswered              // pool discards only: an unconfirmed suspect
	CauseOther                   // pool discards only: any other error
)

var causeNames = [...]string{"timeout", "reset", "eof", "unanswered", "other"}

// String returns "timeout", "reset", "eof", "unanswered" or "other".
func (c Cause) String() string {
	if int(c) < len(causeNames) {
		return causeNames[c]
	}
	return "unknown"
}

// Causes lists every Cause, in order.
var Causes = [...]Cause{CauseTimeout, CauseReset, CauseEOF, CauseUnanswered, CauseOther}

// GoneCause classifies err.
func GoneCause(err error) (c Cause, ok bool) { return 0, false }

// A PoolOutcome is what a pool did with a connection after checking it.
type PoolOutcome uint8

// The pool outcomes.
const (
	PoolKept      PoolOutcome = iota // the check passed; handed out
	PoolConfirmed                    // a suspect confirmed alive by a round trip
	PoolDiscarded                    // discarded
)

var outcomeNames = [...]string{"kept", "confirmed", "discarded"}

// String returns "kept", "confirmed" or "discarded".
func (o PoolOutcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}

// PoolOutcomes lists every PoolOutcome, in order.
var PoolOutcomes = [...]PoolOutcome{PoolKept, PoolConfirmed, PoolDiscarded}

// Counts are a Tracker's cumulative counts for one peer host.
type Counts struct {
	Peer         string
	Gone         [5]uint64
	PoolChecks   [3]uint64
	PoolDiscards [5]uint64
}

// PeerCounts calls f with the counts of each peer host t has seen.
func (t *Tracker) PeerCounts(f func(c *Counts) bool) error { return nil }

// A Histogram is a cumulative histogram of durations.
type Histogram struct {
	Count   uint64
	Sum     time.Duration
	Buckets [12]uint64
}

// GoneAfterBounds returns the upper bounds of GoneAfter's buckets.
func GoneAfterBounds() []time.Duration { return nil }

// GoneAfter returns the histogram of the time from the last packet
// received to the peer declared gone.
func (t *Tracker) GoneAfter() Histogram { return Histogram{} }

// An EventKind says what an Event records.
type EventKind uint8

// The event kinds.
const (
	EventGone      EventKind = iota // a peer-gone close
	EventPoolCheck                  // a pool check
)

// An Event is a counted peer-gone close or pool check.
type Event struct {
	Kind          EventKind
	Peer          string
	Cause         Cause
	Outcome       PoolOutcome
	SinceReceived time.Duration
}

// Subscribe has f called with every event t counts from now on.
func (t *Tracker) Subscribe(f func(Event)) (cancel func()) { return func() {} }

// ReportError records that err was seen on conn.
func ReportError(conn net.Conn, err error) {}

// ReportPoolCheck records a pool's checkout check of conn.
func ReportPoolCheck(conn net.Conn, outcome PoolOutcome, err error) {}

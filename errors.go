package keepalive

import (
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// The package's errors say "keepalive: " once, at the outermost of them:
// each type words its own part in msg, and one that wraps another of the
// package's takes that one's msg, not its Error. The public methods then
// wrap what they return in a *net.OpError, as Go's net does, around the
// *os.SyscallError of the call that failed.

// prefix starts the text of every error of the package.
const prefix = "keepalive: "

// msgOf is err's text without the prefix where err is one of the
// package's own, or errors.Join's of them.
func msgOf(err error) string {
	switch e := err.(type) {
	case interface{ msg() string }:
		return e.msg()
	case interface{ Unwrap() []error }:
		var s []string
		for _, err := range e.Unwrap() {
			s = append(s, msgOf(err))
		}
		return strings.Join(s, "\n")
	}
	return err.Error()
}

// A sentinel is an error the package compares by identity.
type sentinel string

func (e sentinel) Error() string { return prefix + string(e) }
func (e sentinel) msg() string   { return string(e) }

// A wrapError says what failed, then why: err.
type wrapError struct {
	what string
	err  error
}

func (e *wrapError) Error() string { return prefix + e.msg() }
func (e *wrapError) msg() string   { return e.what + ": " + msgOf(e.err) }
func (e *wrapError) Unwrap() error { return e.err }

// wrap is the error for what, failed because of err.
func wrap(what string, err error) error { return &wrapError{what, err} }

// unsupported is the error for what the running system cannot do.
func unsupported(what string) error {
	return wrap(what+" on "+runtime.GOOS, errors.ErrUnsupported)
}

// A ConfigError reports a Config field that the running platform cannot
// take. Validate, Set, dialing and listening return it before anything
// is set on a socket.
type ConfigError struct {
	Field string // "Idle", "Interval", "Count", "UserTimeout" or "Timeout"
	Value string // the value as given
	Limit string // what the field must be
	Err   error  // errors.ErrUnsupported where the platform lacks the option; else nil
}

func (e *ConfigError) Error() string { return prefix + e.msg() }

func (e *ConfigError) msg() string {
	s := "invalid " + e.Field + " " + e.Value + ": " + e.Limit
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ConfigError) Unwrap() error { return e.Err }

// The errors Set, Get and a Listener report for a connection they
// cannot configure, checked before anything is set.
var (
	errNilConn error = sentinel("nil connection")
	errNotTCP  error = sentinel("not a TCP connection")
)

// errNilRawConn: a Control hook given no syscall.RawConn.
var errNilRawConn error = sentinel("Control hook called with a nil syscall.RawConn")

// errNilListener: a nil *Listener's Accept and Close.
var errNilListener error = sentinel("nil Listener")

// The errors of a nil or closed Tracker.
var (
	ErrNilTracker    error = sentinel("nil Tracker")
	ErrTrackerClosed error = sentinel("Tracker closed")
)

// errNilContext: Collect given a nil context.
var errNilContext error = sentinel("Collect was given a nil context.Context")

// errNetLayout: this Go release's net package is not the one a Tracker
// reads connections from.
var errNetLayout = wrap("cannot track connections with this Go release's net package", errors.ErrUnsupported)

// A notTCPError is a conn behind which no TCP socket can be found; it
// matches errNotTCP.
type notTCPError string

func (e notTCPError) Error() string        { return prefix + string(e) }
func (e notTCPError) msg() string          { return string(e) }
func (e notTCPError) Is(target error) bool { return target == errNotTCP }

// notSocket is checkTCP's error for a descriptor that is not a socket
// (err, from getsockopt): it matches errNotTCP, so that a Listener
// returns its connection unchanged, and err.
func notSocket(err error) error {
	return &notSocketError{os.NewSyscallError("getsockopt SO_TYPE", err)}
}

type notSocketError struct{ err error }

func (e *notSocketError) Error() string        { return prefix + e.msg() }
func (e *notSocketError) msg() string          { return "not a socket: " + e.err.Error() }
func (e *notSocketError) Is(target error) bool { return target == errNotTCP }
func (e *notSocketError) Unwrap() error        { return e.err }

// A refusedError matches errors.ErrUnsupported and each refusal.
type refusedError struct {
	by      string
	refused []error
}

func (e *refusedError) Error() string { return prefix + e.msg() }

func (e *refusedError) msg() string {
	s := e.by + " refused "
	for i, err := range e.refused {
		if i > 0 {
			s += "; "
		}
		s += err.Error()
	}
	return s + ": " + errors.ErrUnsupported.Error()
}

func (e *refusedError) Unwrap() []error {
	return append([]error{errors.ErrUnsupported}, e.refused...)
}

// A multipathError reports a Multipath TCP connection, whose bound is
// its keep-alive's plus net.mptcp.close_timeout.
type multipathError struct {
	refused      error // what the socket refused, or nil
	bound, want  time.Duration
	closeTimeout time.Duration
	assumed      string // the figures that are fallbacks (see assumed), or ""
}

func (e *multipathError) Error() string { return prefix + e.msg() }

func (e *multipathError) msg() string {
	s := "Multipath TCP connection: a dead peer is noticed after " + e.bound.String() + ", not " + e.want.String() +
		": it outlives its dead subflows by net.mptcp.close_timeout (" + e.closeTimeout.String() + ")"
	if e.assumed != "" {
		s += " [not read from the system: " + e.assumed + "]"
	}
	if e.refused != nil {
		return s + "; " + msgOf(e.refused)
	}
	return s + ": " + errors.ErrUnsupported.Error()
}

func (e *multipathError) Unwrap() []error {
	if e.refused == nil {
		return []error{errors.ErrUnsupported}
	}
	return []error{errors.ErrUnsupported, e.refused}
}

// A goneError is a connection the kernel has dropped.
type goneError struct{ err error }

func (e *goneError) Error() string { return prefix + e.msg() }
func (e *goneError) msg() string   { return "the kernel dropped the connection: " + msgOf(e.err) }
func (e *goneError) Unwrap() error { return e.err }

// An eofError is a connection that can no longer carry a request: the
// peer closed its side, or this side did.
type eofError struct{ why string }

func (e *eofError) Error() string { return prefix + e.msg() }
func (e *eofError) msg() string   { return e.why + ": " + io.EOF.Error() }
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
var errNoSubflow = wrap("no Multipath TCP subflow established", ErrUnanswered)

// An unansweredError is a connection on which the kernel is counting;
// its text is made when asked, so that Check allocates little.
type unansweredError struct{ h Health }

func (e *unansweredError) Error() string { return prefix + e.msg() }
func (e *unansweredError) msg() string   { return e.h.describe() + ": peer unanswered" }
func (e *unansweredError) Unwrap() error { return ErrUnanswered }

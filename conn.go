package keepalive

import (
	"math"
	"net"
	"reflect"
	"strings"
	"syscall"
	"time"
)

// State is what the kernel holds for a connection, as Get reads it back.
type State struct {
	// Enabled reports whether keep-alive is on (SO_KEEPALIVE).
	Enabled bool

	// Config holds the effective values: Idle, Interval and Count as the
	// kernel will use them (the system's defaults where the socket has
	// none of its own), UserTimeout zero when none is set (or refused, as
	// on a Multipath TCP socket).
	Config Config

	// Multipath reports a Multipath TCP connection (Linux: SO_PROTOCOL
	// is IPPROTO_MPTCP) that has not fallen back to plain TCP, as one
	// whose peer does not speak Multipath TCP does (Go's
	// (*net.TCPConn).MultipathTCP). Such a connection outlives its dead
	// subflows: see Timeout. A fallen-back one behaves as plain TCP but
	// still refuses TCP_USER_TIMEOUT (Config.UserTimeout reads zero).
	// Always false elsewhere.
	Multipath bool
}

// Timeout is the bound that holds for this socket: how long after the
// last packet received a dead peer is noticed on an idle connection. It
// is 0 when keep-alive is off: an idle connection to a dead peer is then
// never noticed.
//
// For a plain TCP socket it is Config.Timeout(). A Multipath TCP
// connection outlives its dead subflows, which keep-alive drops after
// Config.Timeout(), by net.mptcp.close_timeout (60s by default, read from
// the calling process's network namespace), and then fails with ENOTCONN:
// Timeout adds it. Like Config.Timeout it leaves out the kernel timers'
// lateness. docs/behaviour.md#multipath-tcp gives the details.
func (s State) Timeout() time.Duration {
	if !s.Enabled {
		return 0
	}
	d := s.Config.Timeout()
	if s.Multipath && d < math.MaxInt64-multipathCloseTimeout() {
		d += multipathCloseTimeout() // an unbounded d (an invalid Config) stays unbounded
	}
	return d
}

// String returns "on " or "off " followed by the Config's text form.
func (s State) String() string {
	if s.Enabled {
		return "on " + s.Config.String()
	}
	return "off " + s.Config.String()
}

// Set applies c to an established connection. It sees through *tls.Conn
// and any other conn with a NetConn() net.Conn method, and works on any
// syscall.Conn whose socket is TCP. It turns keep-alive on.
//
// An invalid c, a nil, closed or non-TCP conn fail before anything is
// set; a closed conn's error matches net.ErrClosed. On Linux, a Multipath
// TCP socket refuses TCP_USER_TIMEOUT (and, on kernels before 6.x, some
// keep-alive options): Set then applies everything else and returns an
// error wrapping errors.ErrUnsupported that names what was refused, as it
// does where an older kernel lacks an option the system has since gained
// (FreeBSD's TCP_MAXUNACKTIME before 14). Any other refusal by the
// kernel stops Set at that option. Errors are *net.OpError values.
//
// Set is safe for concurrent use: concurrent calls on one connection
// apply their Configs one after the other, never a mix of two, and Get
// reads a state one of them left.
func Set(conn net.Conn, c Config) error {
	if err := c.Validate(); err != nil {
		return opError("set", conn, err)
	}
	sc, generic, err := syscallConn(conn)
	if err != nil {
		return opError("set", conn, err)
	}
	if err := setConn(sc, c, generic); err != nil {
		return opError("set", conn, err)
	}
	return nil
}

// Get reads back what the kernel holds for conn. It accepts the same
// conns as Set. Fields of options the system lacks read System. On
// systems where the values cannot be read back (Windows before 10 1709,
// plan9, js/wasm, wasip1) it returns an error wrapping
// errors.ErrUnsupported. Errors are *net.OpError values.
func Get(conn net.Conn) (State, error) {
	sc, generic, err := syscallConn(conn)
	if err != nil {
		return State{}, opError("get", conn, err)
	}
	s, err := getConn(sc, generic)
	if err != nil {
		return State{}, opError("get", conn, err)
	}
	return s, nil
}

// syscallConn finds the socket behind conn. generic is false when conn
// is known to be TCP by its type, so that no syscall need check it.
func syscallConn(conn net.Conn) (sc syscall.Conn, generic bool, err error) {
	// Bounded, in case a NetConn chain loops.
	for range 32 {
		if isNil(conn) {
			return nil, false, errNilConn
		}
		switch c := conn.(type) {
		case *net.TCPConn:
			return c, false, nil
		case *net.UDPConn, *net.UnixConn, *net.IPConn:
			return nil, false, errNotTCP
		case syscall.Conn:
			return c, true, nil
		case interface{ NetConn() net.Conn }:
			conn = c.NetConn()
		default:
			return nil, false, notTCPError(reflect.TypeOf(conn).String() + " is neither a syscall.Conn nor has a NetConn method")
		}
	}
	return nil, false, notTCPError("NetConn chain too deep")
}

// isNil reports a nil interface or a nil pointer in one, whose methods
// (tls.Conn's NetConn among them) would panic.
func isNil(conn net.Conn) bool {
	if conn == nil {
		return true
	}
	v := reflect.ValueOf(conn)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// opError wraps err as the net package does for its own socket options.
func opError(op string, conn net.Conn, err error) error {
	e := &net.OpError{Op: op, Err: err}
	if !isNil(conn) {
		e.Source, e.Addr = conn.LocalAddr(), conn.RemoteAddr()
		if e.Source != nil {
			e.Net = e.Source.Network()
		}
	}
	return e
}

// isTCPNetwork reports whether a Control hook's network is TCP.
func isTCPNetwork(network string) bool {
	return strings.HasPrefix(network, "tcp")
}

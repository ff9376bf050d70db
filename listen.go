package keepalive

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Listen announces on the local network address, as net.Listen does,
// and puts c on every TCP connection the listener accepts, on every
// system. Where accepted sockets inherit every option c sets from their
// listening socket (Linux, illumos, DragonFly; FreeBSD and darwin for
// the options they copy), c is set once on the listening socket and an
// accepted connection costs no syscall. Elsewhere the returned listener is a *Listener that sets c
// on each accepted connection, with Go's own per-accept keep-alive off.
//
// On Linux the listener is plain TCP, not Multipath TCP (Go's default
// for listeners since Go 1.24): a Multipath TCP connection refuses
// TCP_USER_TIMEOUT and outlives its dead subflows by
// net.mptcp.close_timeout (see State.Timeout), so it would not hold c's
// bound. For Multipath TCP, configure a net.ListenConfig with
// SetMultipathTCP(true) and ConfigureListenConfig, or wrap it with
// WrapListener to be told about each weaker connection.
//
// An invalid c fails Listen with its *ConfigError, in a *net.OpError,
// before anything is created. The other stream networks ("unix",
// "unixpacket") listen unchanged, as net.Listen would; a packet network
// ("udp", "ip", "unixgram") fails with an error naming it, since it has
// no connections to keep alive (net.ListenPacket listens on those).
func Listen(ctx context.Context, network, address string, c Config) (net.Listener, error) {
	return listenFor(platform(), ctx, network, address, c)
}

func listenFor(t *sockopts, ctx context.Context, network, address string, c Config) (net.Listener, error) {
	if !isTCPNetwork(network) {
		if network != "unix" && network != "unixpacket" {
			return nil, &net.OpError{Op: "listen", Net: network, Err: fmt.Errorf(
				"keepalive.Listen: network %q is not a stream network (tcp, tcp4, tcp6, unix or unixpacket): use net.ListenPacket", network)}
		}
		var lc net.ListenConfig
		return lc.Listen(ctx, network, address)
	}
	if err := c.validateFor(t); err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	lc := &net.ListenConfig{}
	if t.inheritsAll(c) {
		configureListenConfig(t, lc, c)
		return lc.Listen(ctx, network, address)
	}
	lc.KeepAlive = -1
	ln, err := lc.Listen(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return &Listener{Listener: ln, Config: c}, nil
}

// ConfigureListenConfig makes lc's TCP listeners put c on every
// connection they accept, keeping lc's own Control hook, which runs
// first (its error fails Listen, and c is then not applied). Configuring
// lc again replaces c: the library's hook is never stacked on itself.
// It sets lc's KeepAlive, KeepAliveConfig and Control, and on Linux its
// Multipath TCP choice; every other field is left alone. Assign your own
// Control before calling it: one assigned afterwards replaces the
// library's hook, and with Go's per-accept keep-alive turned off the
// accepted connections would get no keep-alive at all.
//
// Where accepted sockets inherit every option c sets (Linux, illumos,
// DragonFly; FreeBSD and darwin without the options they do not copy),
// the options are set once on the listening socket and accepted connections inherit them, at no
// cost per connection; Go's own per-accept keep-alive is turned off,
// because it would overwrite them with its defaults. Elsewhere Go's
// per-accept keep-alive sets Idle, Interval and Count (scaled to the
// kernel's unit where Go's is wrong), and a UserTimeout fails Listen with
// an error wrapping errors.ErrUnsupported, since a net.ListenConfig has
// no other per-accept hook: use Listen there, which sets it on each
// accepted connection.
//
// An invalid c fails Listen with its *ConfigError.
//
// Multipath TCP (Linux): Go's listeners are Multipath TCP by default
// since Go 1.24, and a Multipath TCP connection holds a weaker bound than
// c's (it refuses TCP_USER_TIMEOUT and outlives its dead subflows by
// net.mptcp.close_timeout: see State.Timeout). So ConfigureListenConfig
// turns Multipath TCP off, unless lc asks for it explicitly with
// SetMultipathTCP(true), before or after ConfigureListenConfig. That
// request is honoured: the listener is Multipath TCP, its connections,
// plain or multipath, inherit the keep-alive values but not the
// UserTimeout, which the Multipath TCP listening socket refuses and
// which is then skipped (returning the refusal would make Go fall back
// to plain TCP without a word). A net.ListenConfig has no way to report
// this per connection; WrapListener does, and Get on a connection tells
// its State.Timeout.
func ConfigureListenConfig(lc *net.ListenConfig, c Config) {
	if lc == nil {
		return
	}
	configureListenConfig(platform(), lc, c)
}

// configureListenConfig is ConfigureListenConfig for the system of
// table t.
//
// Where accepted sockets inherit every option c sets (Linux: the whole
// socket is copied by inet_csk_clone_lock; illumos: tcp_init_values
// and conn_inherit_parent; DragonFly: tcp(4); FreeBSD: syncache_socket
// copies the keep-alive timers), the options are set once on the
// listening socket. Elsewhere Go's per-accept keep-alive sets Idle,
// Interval and Count on each accepted connection, from goConfigFor. The
// only per-accept hook is Go's, which has no user timeout, so a
// UserTimeout fails Listen there unless accepted sockets inherit it.
func configureListenConfig(t *sockopts, lc *net.ListenConfig, c Config) {
	prev := userControl(lc.Control)
	verr := c.validateFor(t)
	var hook controlFunc
	if t.inheritsAll(c) {
		lc.KeepAlive = -1
		lc.KeepAliveConfig = net.KeepAliveConfig{}
		if !explicitMultipath(lc) {
			lc.SetMultipathTCP(false)
		}
		hook = func(network, _ string, rc syscall.RawConn) error {
			if !isTCPNetwork(network) {
				return nil
			}
			if verr != nil {
				return verr
			}
			return skipMultipathRefusal(setRaw(rc, c, false))
		}
	} else {
		lc.KeepAliveConfig = goConfigFor(t, c)
		if verr == nil && c.UserTimeout > 0 && !t.userTimeout.inherited {
			verr = fmt.Errorf("keepalive: %s set on a listening socket does not reach accepted connections on %s; use WrapListener or keepalive.Listen, which set it on each accepted connection: %w",
				t.userTimeout.name, t.os, errors.ErrUnsupported)
		}
		hook = func(network, _ string, rc syscall.RawConn) error {
			if !isTCPNetwork(network) {
				return nil
			}
			if verr != nil || c.UserTimeout <= 0 {
				return verr
			}
			return setUserTimeout(rc, c)
		}
	}
	lc.Control = chainControl(prev, hook)
}

// explicitMultipath reports whether SetMultipathTCP(true) was called on
// lc, as opposed to Multipath TCP being Go's default: MultipathTCP()
// cannot tell them apart, so this reads the tristate Go keeps
// (net/dial.go: mptcpStatusListen, 1 = mptcpEnabledListen).
// TestMultipathTCP pins it: were the field renamed, an explicit request
// made before ConfigureListenConfig would be turned off.
func explicitMultipath(lc *net.ListenConfig) bool {
	if !multipathExists {
		return false
	}
	f := reflect.ValueOf(lc).Elem().FieldByName("mptcpStatus")
	return f.IsValid() && f.CanUint() && f.Uint() == 1 && lc.MultipathTCP()
}

// WrapListener returns a *Listener that applies c, with Set, to every
// connection ln accepts. Use it for listeners built elsewhere; Listen
// costs nothing per connection on Linux. To observe the connections c
// could not be fully applied to, build the Listener directly with an
// OnError hook.
func WrapListener(ln net.Listener, c Config) net.Listener {
	return &Listener{Listener: ln, Config: c}
}

// A Listener applies Config to each connection its inner Listener
// accepts. Set its exported fields before the first Accept and leave
// them; do not copy a Listener once used.
//
// The policy, for each accepted connection (it never closes or holds
// back a connection the server would have had without the Listener,
// except one that is TCP and that the kernel refused every option):
//   - Config applied: the connection is returned.
//   - Config applied with a weaker bound: a Multipath TCP connection
//     (Linux) refuses TCP_USER_TIMEOUT and outlives its dead subflows by
//     net.mptcp.close_timeout (see State.Timeout); an older kernel may
//     lack an option (FreeBSD before 14: TCP_MAXUNACKTIME). The
//     connection is returned with what could be set, and reported with
//     an error wrapping errors.ErrUnsupported.
//   - Not a TCP socket, or one the library cannot see (a unix socket,
//     net.Pipe, a wrapper with neither SyscallConn nor NetConn): returned
//     unchanged, and reported once per Listener.
//   - The kernel refused an option of a TCP socket: the connection is
//     closed, reported, and Accept waits for the next one.
//
// Errors of the inner Accept are returned unchanged, so that
// http.Server's retry on temporary errors, and net.ErrClosed after Close,
// keep working; an inner Accept returning a nil conn without an error is
// passed through as it is. An invalid Config makes Accept return its
// *ConfigError (wrapped in a *net.OpError) without accepting anything.
type Listener struct {
	// Listener is the wrapped listener; Addr and Close are its own.
	net.Listener

	// Config is applied to each accepted connection.
	Config Config

	// OnError, if not nil, is called from Accept with each connection
	// returned with a weaker bound and each connection closed, and the
	// error, a *net.OpError; and with the first connection that is not a
	// TCP socket. If nil, the log package's standard logger gets one line
	// for the first connection of each of these kinds per Listener (a
	// server with Multipath TCP clients is not flooded), and one for each
	// closed connection.
	OnError func(conn net.Conn, err error)

	reported   atomic.Uint32 // report kinds reported (OnError) or logged
	inspect    sync.Once     // sets plainInner and goInner
	plainInner bool          // the inner listener is a plain TCP socket: no Multipath TCP connections
	goInner    bool          // the inner listener is Go's: every connection arrives alike
	learn      sync.Once     // sets held, from the first connection
	held       uint8         // setFD steps every connection arrives with already
}

// What Accept reports, once per Listener where said.
const (
	reportWeaker uint32 = 1 << iota // logged once
	reportNotTCP                    // reported once
	reportClosed                    // reported every time
)

var errNilListener = errors.New("keepalive: nil Listener")

// Accept waits for the next connection and applies Config to it.
func (l *Listener) Accept() (net.Conn, error) {
	if l == nil || isNilListener(l.Listener) {
		return nil, &net.OpError{Op: "accept", Err: errNilListener}
	}
	if err := l.Config.Validate(); err != nil {
		return nil, &net.OpError{Op: "accept", Net: l.Listener.Addr().Network(), Addr: l.Listener.Addr(), Err: err}
	}
	l.inspect.Do(l.inspectInner)
	// Only a Multipath TCP connection holds a weaker bound without a
	// refusal to tell it; with a UserTimeout the refusal tells.
	detect := multipathExists && !l.plainInner && l.Config.UserTimeout <= 0
	for {
		conn, err := l.Listener.Accept()
		if err != nil || conn == nil {
			return conn, err
		}
		if l.goInner {
			l.learn.Do(func() { l.held = heldOptions(conn.(*net.TCPConn), l.Config) })
		}
		multipath, err := l.apply(conn, detect)
		switch {
		case err == nil && !multipath:
			return conn, nil
		case errors.Is(err, errNotTCP) || errors.Is(err, errNilConn):
			l.report(reportNotTCP, conn, err)
			return conn, nil
		case err == nil || errors.Is(err, errors.ErrUnsupported):
			l.report(reportWeaker, conn, weaker(conn, l.Config, err))
			return conn, nil
		}
		l.report(reportClosed, conn, err)
		conn.Close()
	}
}

// apply is Set, also reporting a Multipath TCP socket when detect asks.
func (l *Listener) apply(conn net.Conn, detect bool) (multipath bool, err error) {
	sc, generic, err := syscallConn(conn)
	if err == nil {
		multipath, err = setAccepted(sc, l.Config, generic, detect, l.held)
	}
	if err != nil {
		return false, opError("set", conn, err)
	}
	return multipath, nil
}

// inspectInner learns whether the inner listener is Go's own TCP
// listener and whether it is a plain TCP socket, whose connections
// cannot be Multipath TCP.
//
// Every connection a *net.TCPListener accepts arrives with the same
// options: Go's per-accept keep-alive (fixed when it listened, on by
// default) and what the listening socket passes on. So the options the
// first one holds already need not be set on any: net.Listen's
// SO_KEEPALIVE, and the values of a Config equal to Go's defaults.
// Skipping SO_KEEPALIVE needs a kernel on which a new TCP_KEEPIDLE
// re-arms a running keep-alive timer (Linux: tcp_sock_set_keepidle_locked;
// TestWrapListenerRearmsKeepalive), so it is done only where that was
// checked.
func (l *Listener) inspectInner() {
	tl, ok := l.Listener.(*net.TCPListener)
	l.goInner = ok && keepIdleRearms
	if !multipathExists {
		return
	}
	var sc syscall.Conn = tl
	if !ok {
		sc, ok = l.Listener.(syscall.Conn)
	}
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	var mp bool
	if rc.Control(func(fd uintptr) { mp = isMPTCP(fd) }) == nil {
		l.plainInner = !mp
	}
}

// weaker reports a connection returned with a weaker bound than c's:
// err is what the socket refused (nil if nothing).
func weaker(conn net.Conn, c Config, err error) error {
	st, gerr := Get(conn)
	if gerr != nil || !st.Multipath {
		if err == nil {
			err = opError("set", conn, errors.ErrUnsupported)
		}
		return err
	}
	var refused error
	if oe, ok := errors.AsType[*net.OpError](err); ok {
		refused = oe.Err
	}
	return opError("set", conn, &multipathError{refused: refused, bound: st.Timeout(), want: c.Timeout(), closeTimeout: multipathCloseTimeout()})
}

// A multipathError reports a Multipath TCP connection, whose bound is
// its keep-alive's plus net.mptcp.close_timeout.
type multipathError struct {
	refused      error // what the socket refused, or nil
	bound, want  time.Duration
	closeTimeout time.Duration
}

func (e *multipathError) Error() string {
	s := "keepalive: Multipath TCP connection: a dead peer is noticed after " + e.bound.String() + ", not " + e.want.String() +
		": it outlives its dead subflows by net.mptcp.close_timeout (" + e.closeTimeout.String() + ")"
	if e.refused != nil {
		return s + "; " + strings.TrimPrefix(e.refused.Error(), "keepalive: ")
	}
	return s + ": " + errors.ErrUnsupported.Error()
}

func (e *multipathError) Unwrap() []error {
	if e.refused == nil {
		return []error{errors.ErrUnsupported}
	}
	return []error{errors.ErrUnsupported, e.refused}
}

func (l *Listener) report(kind uint32, conn net.Conn, err error) {
	first := l.reported.Or(kind)&kind == 0
	if l.OnError != nil {
		if first || kind != reportNotTCP {
			l.OnError(conn, err)
		}
		return
	}
	switch {
	case kind == reportClosed:
		log.Printf("keepalive: accepted connection closed: %v", err)
	case first && kind == reportWeaker:
		log.Printf("keepalive: accepted connection with a weaker bound (further ones on %v not logged): %v", l.Listener.Addr(), err)
	case first:
		log.Printf("keepalive: accepted connection returned without keep-alive (further ones on %v not logged): %v", l.Listener.Addr(), err)
	}
}

// Addr returns the inner listener's address, or nil without one.
func (l *Listener) Addr() net.Addr {
	if l == nil || isNilListener(l.Listener) {
		return nil
	}
	return l.Listener.Addr()
}

// Close closes the inner listener.
func (l *Listener) Close() error {
	if l == nil || isNilListener(l.Listener) {
		return &net.OpError{Op: "close", Err: errNilListener}
	}
	return l.Listener.Close()
}

// isNilListener reports a nil inner listener, typed or not: Go's own
// (*net.TCPListener)(nil) panics in Addr.
func isNilListener(ln net.Listener) bool {
	if ln == nil {
		return true
	}
	v := reflect.ValueOf(ln)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// Unwrap returns the inner listener, or nil for a nil Listener.
func (l *Listener) Unwrap() net.Listener {
	if l == nil {
		return nil
	}
	return l.Listener
}

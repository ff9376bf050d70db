package keepalive

import (
	"errors"
	"fmt"
	"log"
	"net"
	"syscall"
)

// ListenConfig returns a *net.ListenConfig whose TCP listeners put c on
// every connection they accept. On Linux the options are set once on the
// listening socket and accepted connections inherit them, at no cost per
// connection; Go's own per-accept keep-alive is turned off, because it
// would overwrite them with its defaults. FreeBSD is served the same
// way, since its accepted sockets copy the keep-alive timers (not the
// user timeout). Elsewhere accepted sockets are not
// known to keep every option, so Go's per-accept keep-alive sets Idle,
// Interval and Count (scaled to the kernel's unit where Go's is wrong),
// and a UserTimeout fails Listen with an error wrapping
// errors.ErrUnsupported where accepted sockets do not inherit it: use
// WrapListener there.
//
// An invalid c fails Listen with its *ConfigError.
//
// Multipath TCP: since Go 1.24, Linux listeners are Multipath TCP by
// default. A Multipath TCP socket refuses TCP_USER_TIMEOUT, and a
// net.ListenConfig has no per-accept hook to set it on the plain TCP
// connections such a listener accepts, so with a UserTimeout the returned
// ListenConfig listens with plain TCP (SetMultipathTCP(false)). Without
// one, Multipath TCP stays on and every accepted connection, plain or
// multipath, inherits the keep-alive values. Should a Multipath TCP
// listening socket refuse an option anyway (a UserTimeout with Multipath
// TCP turned back on, or keep-alive values on kernels before 6.x), the
// hook's error makes Go fall back to a plain TCP listener, as it does on
// any Multipath TCP error: Listen does not fail and c is not dropped. Use
// WrapListener to keep Multipath TCP and a user timeout on the
// connections that can take one.
func ListenConfig(c Config) *net.ListenConfig {
	lc := &net.ListenConfig{}
	configureListenConfig(platform(), lc, c)
	return lc
}

// configureListenConfig sets lc up for the system of table t.
//
// Where accepted sockets inherit every option c sets (Linux: the whole
// socket is copied by inet_csk_clone_lock; FreeBSD: syncache_socket
// copies the keep-alive timers), the options are set once on the
// listening socket, so an accepted connection costs no syscall, and Go's
// own per-accept keep-alive is turned off so that it does not overwrite
// them. A Multipath TCP listening socket refuses TCP_USER_TIMEOUT, and a
// net.ListenConfig has no per-accept hook to set it on the plain TCP
// connections it accepts, so a Config with a UserTimeout listens with
// plain TCP (SetMultipathTCP does nothing outside Linux). Were Multipath
// TCP turned back on, the hook's error on the Multipath TCP socket makes
// Go fall back to plain TCP (net/mptcpsock_linux.go: "fallback in case
// of any error with MPTCP").
//
// Elsewhere Go's per-accept keep-alive sets Idle, Interval and Count on
// each accepted connection, from goConfig, which scales them to the
// kernel's unit where Go's is wrong. The only per-accept hook is Go's,
// which has no user timeout, so a UserTimeout fails Listen there unless
// accepted sockets inherit it from the listening socket.
func configureListenConfig(t *sockopts, lc *net.ListenConfig, c Config) {
	if t.inheritsAll(c) {
		lc.KeepAlive = -1
		lc.KeepAliveConfig = net.KeepAliveConfig{}
		lc.Control = control(c)
		if c.UserTimeout > 0 {
			lc.SetMultipathTCP(false)
		}
		return
	}
	lc.KeepAliveConfig = goConfigFor(t, c)
	verr := c.validate(t)
	if verr == nil && c.UserTimeout > 0 && !t.userTimeout.inherited {
		verr = fmt.Errorf("keepalive: %s set on a listening socket does not reach accepted connections on %s; use WrapListener: %w",
			t.userTimeout.name, t.os, errors.ErrUnsupported)
	}
	lc.Control = func(network, _ string, rc syscall.RawConn) error {
		if !isTCPNetwork(network) {
			return nil
		}
		if verr != nil || c.UserTimeout <= 0 {
			return verr
		}
		return setUserTimeout(rc, c)
	}
}

// WrapListener returns a *Listener that applies c, with Set, to every
// connection ln accepts. Use it for listeners built elsewhere; for your
// own, ListenConfig costs nothing per connection. To observe the
// connections c could not be applied to, build the Listener directly
// with an OnError hook.
func WrapListener(ln net.Listener, c Config) net.Listener {
	return &Listener{Listener: ln, Config: c}
}

// A Listener applies Config to each connection its inner Listener
// accepts. Set its fields before the first Accept and leave them.
//
// The policy, for each accepted connection:
//   - Config applied: the connection is returned.
//   - Config applied in part, as on a Multipath TCP connection, which
//     refuses TCP_USER_TIMEOUT: the connection is returned with what
//     could be set, and OnError gets an error wrapping
//     errors.ErrUnsupported.
//   - Config not applied (the socket is not TCP, or the kernel refused):
//     the connection is closed, OnError gets the error, and Accept waits
//     for the next connection.
//
// Errors of the inner Accept are returned unchanged, so that
// http.Server's retry on temporary errors, and net.ErrClosed after Close,
// keep working. An invalid Config makes Accept return its *ConfigError
// (wrapped in a *net.OpError) without accepting anything.
type Listener struct {
	// Listener is the wrapped listener; Addr and Close are its own.
	net.Listener

	// Config is applied to each accepted connection.
	Config Config

	// OnError, if not nil, is called from Accept with each connection
	// Config could not be fully applied to, and the error, a *net.OpError.
	// If nil, such errors are logged with the log package's standard
	// logger, as net/http logs the errors it cannot return.
	OnError func(conn net.Conn, err error)
}

var errNilListener = errors.New("keepalive: nil Listener")

// Accept waits for the next connection and applies Config to it.
func (l *Listener) Accept() (net.Conn, error) {
	if l == nil || l.Listener == nil {
		return nil, &net.OpError{Op: "accept", Err: errNilListener}
	}
	if err := l.Config.Validate(); err != nil {
		return nil, &net.OpError{Op: "accept", Net: l.Listener.Addr().Network(), Addr: l.Listener.Addr(), Err: err}
	}
	for {
		conn, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		err = Set(conn, l.Config)
		if err == nil {
			return conn, nil
		}
		l.report(conn, err)
		if errors.Is(err, errors.ErrUnsupported) {
			return conn, nil
		}
		conn.Close()
	}
}

func (l *Listener) report(conn net.Conn, err error) {
	if l.OnError != nil {
		l.OnError(conn, err)
		return
	}
	log.Printf("keepalive: accepted connection: %v", err)
}

// Addr returns the inner listener's address, or nil without one.
func (l *Listener) Addr() net.Addr {
	if l == nil || l.Listener == nil {
		return nil
	}
	return l.Listener.Addr()
}

// Close closes the inner listener.
func (l *Listener) Close() error {
	if l == nil || l.Listener == nil {
		return &net.OpError{Op: "close", Err: errNilListener}
	}
	return l.Listener.Close()
}

// Unwrap returns the inner listener.
func (l *Listener) Unwrap() net.Listener { return l.Listener }

package keepalive

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"syscall"
)

// Listen announces on the local network address, as net.Listen does,
// and puts c on every TCP connection the listener accepts, on every
// system: once on the listening socket where accepted sockets inherit
// every option c sets (an accepted connection then costs no syscall),
// else through a *Listener that sets c on each accepted connection.
//
// On Linux the listener is plain TCP, not Go's default Multipath TCP,
// whose connections would not hold c's bound (State.Timeout); for
// Multipath TCP use ConfigureListenConfig with SetMultipathTCP(true), or
// WrapListener to be told about each weaker connection.
//
// An invalid c fails Listen with its *ConfigError, in a *net.OpError,
// before anything is created. The other stream networks ("unix",
// "unixpacket") listen unchanged; a packet network fails with an error
// naming it. See docs/behaviour.md#dialing-and-listening-where-the-values-go.
func Listen(ctx context.Context, network, address string, c Config) (net.Listener, error) {
	return listenFor(platform(), ctx, network, address, c)
}

func listenFor(t *sockopts, ctx context.Context, network, address string, c Config) (net.Listener, error) {
	if !isTCPNetwork(network) {
		if network != "unix" && network != "unixpacket" {
			return nil, &net.OpError{Op: "listen", Net: network, Err: fmt.Errorf(
				"keepalive: network %q is not a stream network (tcp, tcp4, tcp6, unix or unixpacket): use net.ListenPacket", network)}
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
// connection they accept. It sets lc's KeepAlive, KeepAliveConfig and
// Control, and on Linux turns Multipath TCP off unless lc asks for it
// with SetMultipathTCP(true), before or after; every other field is left
// alone. lc's own Control hook runs first (its error fails Listen);
// assign it before calling ConfigureListenConfig, which, called again,
// replaces c.
//
// Where accepted sockets inherit every option c sets, they are set once
// on the listening socket. Elsewhere Go's per-accept keep-alive sets
// Idle, Interval and Count, and a UserTimeout fails Listen with an error
// wrapping errors.ErrUnsupported: use Listen there. A Multipath TCP
// listener's connections lack the user timeout, which it refuses. An
// invalid c fails Listen with its *ConfigError.
// docs/behaviour.md#dialing-and-listening-where-the-values-go has the
// details.
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

// inheritsAll reports whether accepted sockets inherit every option that
// c sets on the system of table t.
func (t *sockopts) inheritsAll(c Config) bool {
	inherits := func(set bool, o sockopt) bool { return !set || !o.exists() || o.inherited }
	return t.keepAlive.inherited &&
		inherits(c.Idle != System, t.idle) &&
		inherits(c.Interval != System, t.interval) &&
		inherits(c.Count != System, t.count) &&
		inherits(c.UserTimeout > 0, t.userTimeout)
}

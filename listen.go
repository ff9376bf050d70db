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
// The limit, as for WithKeepalive: a hook of yours assigned after
// ConfigureListenConfig that calls the one it replaced hides the
// library's hook inside a closure the library cannot see into, so the
// earlier c keeps running from yours; configure lc again only when your
// hooks were assigned before, or use a fresh net.ListenConfig.
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

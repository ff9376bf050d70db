package keepalive

import (
	"context"
	"errors"
	"net"
	"syscall"
)

// A DialOption configures a *net.Dialer.
type DialOption func(*net.Dialer)

// WithKeepalive configures any *net.Dialer to put c on every TCP
// connection it dials: keepalive.WithKeepalive(c)(d).
//
// Idle, Interval and Count go into the Dialer's KeepAliveConfig, which Go
// applies once the socket is connected; that is where they must go,
// because Go overwrites values set earlier from a Control hook with its
// own. The UserTimeout, which Go has no field for, is set from a
// ControlContext hook before the socket connects, so it also bounds how
// long the connect itself may retry. A Control or ControlContext hook
// the Dialer already has keeps running, first; its error fails the dial
// and c is then not applied. Every other field is left alone. Each option
// is set once per dial, and a Config without a UserTimeout costs exactly
// what Go's own KeepAliveConfig costs.
//
// Applied again to the same Dialer, WithKeepalive replaces the Config it
// applied before: its hook is never stacked on itself, and nothing of the
// earlier Config (a user timeout, a validation error) remains. The limit:
// a hook of yours assigned after WithKeepalive that calls the one it
// replaced hides the library's hook inside a closure the library cannot
// see into, so the earlier hook keeps running from yours, and with it the
// earlier Config's user timeout (unless the new Config sets one) or
// validation error. Assign your hooks before WithKeepalive, which then
// runs them first, or apply the new Config to a fresh Dialer.
//
// An invalid c fails every TCP dial with its *ConfigError, before
// anything is set. Non-TCP networks ("udp", "unix") are dialed
// unchanged.
//
// Multipath TCP (Linux): a Dialer with SetMultipathTCP(true) (or with
// GODEBUG=multipathtcp=1 or 3) dials Multipath TCP and keeps it. Its socket takes the keep-alive values but
// refuses TCP_USER_TIMEOUT, which is then skipped rather than returned
// (an error would make Go dial again with plain TCP, discarding the
// request), and the connection outlives its dead subflows by
// net.mptcp.close_timeout. Such a connection holds a weaker bound than
// c's: Get(conn) reports State.Multipath, and State.Timeout the bound
// that holds.
func WithKeepalive(c Config) DialOption {
	kac := goConfig(c)
	hook := dialHook(c)
	var plainHook controlFunc
	if hook != nil {
		plainHook = func(network, address string, rc syscall.RawConn) error {
			return hook(context.Background(), network, address, rc)
		}
	}
	return func(d *net.Dialer) {
		if d == nil {
			return
		}
		d.KeepAliveConfig = kac
		// The Dialer's own hooks, without one WithKeepalive installed.
		d.ControlContext = userControlContext(d.ControlContext)
		d.Control = userControl(d.Control)
		switch {
		case hook == nil:
		case d.ControlContext != nil || d.Control == nil:
			d.ControlContext = chainControlContext(d.ControlContext, hook)
		default:
			d.Control = chainControl(d.Control, plainHook)
		}
	}
}

// dialHook returns what a dial must do before connecting: fail for an
// invalid c, set the user timeout, or nothing (nil).
func dialHook(c Config) controlContextFunc {
	if err := c.Validate(); err != nil {
		return func(_ context.Context, network, _ string, _ syscall.RawConn) error {
			if !isTCPNetwork(network) {
				return nil
			}
			return err
		}
	}
	if c.UserTimeout <= 0 {
		return nil
	}
	return func(_ context.Context, network, _ string, rc syscall.RawConn) error {
		if !isTCPNetwork(network) {
			return nil
		}
		return skipMultipathRefusal(setUserTimeout(rc, c))
	}
}

// NewDialer returns a *net.Dialer with opts applied in order; with
// WithKeepalive among them it dials with that Config.
func NewDialer(opts ...DialOption) *net.Dialer {
	d := &net.Dialer{}
	for _, opt := range opts {
		if opt != nil {
			opt(d)
		}
	}
	return d
}

// Control returns a hook, for libraries that take a raw Control function
// (net.Dialer.Control, net.ListenConfig.Control and their kin), that puts
// c on each TCP socket before it connects or listens, or fails with c's
// *ConfigError. Hooks of non-TCP networks do nothing. Keep the Dialer's
// or ListenConfig's own keep-alive off (KeepAlive: -1) or Go overwrites c
// once the socket is connected; WithKeepalive and ConfigureListenConfig
// take care of that for you.
//
// On a Multipath TCP socket (Linux) the hook returns the refusal of
// TCP_USER_TIMEOUT, and Go then falls back to plain TCP, which takes the
// whole Config: a raw hook cannot tell Go's default Multipath TCP
// listener from an explicit request. WithKeepalive and
// ConfigureListenConfig can, and keep an explicitly requested Multipath
// TCP socket.
//
// Where the library cannot set options through a raw socket (js/wasm,
// wasip1, plan9) the hook returns an error wrapping
// errors.ErrUnsupported that names the system. Called with a nil rc for
// a TCP network, the hook returns an error and sets nothing.
func Control(c Config) func(network, address string, rc syscall.RawConn) error {
	hook := control(c)
	return func(network, address string, rc syscall.RawConn) error {
		if rc == nil && isTCPNetwork(network) {
			return errNilRawConn
		}
		return hook(network, address, rc)
	}
}

var errNilRawConn = errors.New("keepalive: Control hook called with a nil syscall.RawConn")

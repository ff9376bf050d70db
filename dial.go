package keepalive

import (
	"context"
	"net"
	"syscall"
)

// A DialOption configures a *net.Dialer.
type DialOption func(*net.Dialer)

// WithKeepalive configures any *net.Dialer to put c on every TCP
// connection it dials: keepalive.WithKeepalive(c)(d).
//
// Idle, Interval and Count go into the Dialer's KeepAliveConfig, where Go
// does not overwrite them; UserTimeout is set from a ControlContext hook
// before the socket connects, so it also bounds the connect. A Control or
// ControlContext hook the Dialer already has runs first, and its error
// fails the dial. Applied again to the same Dialer, WithKeepalive replaces
// the Config it applied before; assign your own hooks before it.
//
// An invalid c fails every TCP dial with its *ConfigError, before
// anything is set. Non-TCP networks are dialed unchanged. A Multipath TCP
// dial (SetMultipathTCP(true)) stays Multipath TCP without the user
// timeout, which it refuses; State.Timeout gives the bound it holds.
// docs/behaviour.md#dialing-and-listening-where-the-values-go has the
// details and the limits.
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

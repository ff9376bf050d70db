package keepalive

import (
	"context"
	"net"
	"syscall"
)

// A DialOption configures a *net.Dialer.
type DialOption func(*net.Dialer)

// WithKeepalive configures any *net.Dialer to put c on every TCP socket
// it dials: keepalive.WithKeepalive(c)(d). It turns off the Dialer's own
// keep-alive (KeepAlive and KeepAliveConfig), which would otherwise
// overwrite c with Go's defaults after the socket connects, and sets c
// from a Control hook instead. A Control or ControlContext hook the
// Dialer already has keeps running, first; its error fails the dial and
// c is then not applied. Every other field is left alone.
//
// An invalid c fails every dial with its *ConfigError. Non-TCP networks
// ("udp", "unix") are dialed unchanged. Each option is set once per
// dial. On Linux, a Multipath TCP socket refuses TCP_USER_TIMEOUT: a
// Dialer with Multipath TCP turned on and a UserTimeout gets the hook's
// error on its Multipath TCP socket and, as Go does on any Multipath TCP
// error, dials again with plain TCP, which takes the whole Config.
func WithKeepalive(c Config) DialOption {
	return func(d *net.Dialer) {
		if d == nil {
			return
		}
		var hook func(network, address string, rc syscall.RawConn) error
		d.KeepAlive, d.KeepAliveConfig, hook = dialerSettings(c)
		switch prev := d.ControlContext; {
		case prev != nil:
			d.ControlContext = func(ctx context.Context, network, address string, rc syscall.RawConn) error {
				if err := prev(ctx, network, address, rc); err != nil {
					return err
				}
				return hook(network, address, rc)
			}
		case d.Control != nil:
			prev := d.Control
			d.Control = func(network, address string, rc syscall.RawConn) error {
				if err := prev(network, address, rc); err != nil {
					return err
				}
				return hook(network, address, rc)
			}
		default:
			d.Control = hook
		}
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
// c on each TCP socket before it connects or listens. Hooks of non-TCP
// networks do nothing. Keep the Dialer's or ListenConfig's own
// keep-alive off (KeepAlive: -1) or Go overwrites c once the socket is
// connected; WithKeepalive and ListenConfig do that for you.
//
// Where the library cannot set options through a raw socket (systems
// other than Linux, for now) the hook returns an error wrapping
// errors.ErrUnsupported that names the system.
func Control(c Config) func(network, address string, rc syscall.RawConn) error {
	return control(c)
}

package keepalive

import (
	"context"
	"net"
	"net/netip"
	"syscall"
)

// WithTracker is a DialOption that tracks in t every TCP connection the
// Dialer dials, from a Control hook that runs after the Dialer's own
// (whose error fails the dial, untracked) and costs no system call. It
// composes with WithKeepalive in either order. A nil t gives an option
// that changes nothing; after t is closed the hook tracks nothing.
// Without a UserTimeout the hook is the dial's only one, and Go
// allocates to call it: Track on the dialed connection costs less
// (docs/tracking.md).
func WithTracker(t *Tracker) DialOption {
	return func(d *net.Dialer) {
		if d == nil || t == nil {
			return
		}
		if d.ControlContext == nil && d.Control != nil {
			prev := d.Control
			d.Control = func(network, address string, rc syscall.RawConn) error {
				if err := prev(network, address, rc); err != nil {
					return err
				}
				t.trackDial(network, address, rc)
				return nil
			}
			return
		}
		prev := d.ControlContext
		d.ControlContext = func(ctx context.Context, network, address string, rc syscall.RawConn) error {
			if prev != nil {
				if err := prev(ctx, network, address, rc); err != nil {
					return err
				}
			}
			t.trackDial(network, address, rc)
			return nil
		}
	}
}

// trackDial adds the socket of a dial about to connect.
func (t *Tracker) trackDial(network, address string, rc syscall.RawConn) {
	if !isTCPNetwork(network) {
		return
	}
	fd := rawConnFD(rc)
	if fd == nil {
		return
	}
	remote, _ := netip.ParseAddrPort(address)
	t.add(fd, remote, netip.AddrPort{})
}

// Track adds an established TCP connection to t; it sees through
// *tls.Conn and NetConn wrappers as Set does. Tracking a connection
// again makes the next collection read its settings anew. Errors are
// *net.OpError values: a nil, closed or non-TCP conn as for Get,
// ErrNilTracker, ErrTrackerClosed, and errors.ErrUnsupported where this
// Go release's net package cannot be tracked (plan9, js/wasm, wasip1).
func (t *Tracker) Track(conn net.Conn) error { return t.track(conn, true) }

// track is Track; a connection just accepted need not be checked open.
func (t *Tracker) track(conn net.Conn, checkOpen bool) error {
	if err := t.usable(); err != nil {
		return opError("track", conn, err)
	}
	fd, err := connFD(conn)
	if err == nil && checkOpen {
		err = withSocket(fd, nothing) // fails once conn is closed
	}
	if err != nil {
		return opError("track", conn, err)
	}
	if !t.add(fd, addrPort(conn.RemoteAddr()), addrPort(conn.LocalAddr())) {
		return opError("track", conn, ErrTrackerClosed)
	}
	return nil
}

// Set applies c to conn as Set does, then tracks conn in t as Track
// does. A nil or closed t fails before anything is set.
func (t *Tracker) Set(conn net.Conn, c Config) error {
	if err := t.usable(); err != nil {
		return opError("set", conn, err)
	}
	if err := Set(conn, c); err != nil {
		return err
	}
	return t.Track(conn)
}

// usable returns the error of a nil or closed t, or nil.
func (t *Tracker) usable() error {
	if t == nil {
		return ErrNilTracker
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return ErrTrackerClosed
	}
	return nil
}

// addrPort is a net.Addr as an AddrPort, zero for anything but TCP.
func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok && ta != nil {
		return ta.AddrPort()
	}
	return netip.AddrPort{}
}

// Listener returns ln wrapped so that every TCP connection it accepts is
// tracked in t, as Track does, and returned unchanged (a *net.TCPConn
// stays one). Listen and ConfigureListenConfig give Go's own listeners,
// with no per-accept hook: wrap those (or a WrapListener) with it.
// Accept's errors are ln's; a connection Track refuses (not TCP, t nil
// or closed) is returned untracked. Unwrap returns ln.
func (t *Tracker) Listener(ln net.Listener) net.Listener {
	return &trackedListener{Listener: ln, t: t}
}

// Listen is Listen with every accepted TCP connection tracked in t, as
// Listener tracks them; an error of Listen is returned as it is. A nil
// or closed t fails before anything is created.
func (t *Tracker) Listen(ctx context.Context, network, address string, c Config) (net.Listener, error) {
	if err := t.usable(); err != nil {
		return nil, &net.OpError{Op: "listen", Net: network, Err: err}
	}
	ln, err := Listen(ctx, network, address, c)
	if err != nil {
		return nil, err
	}
	return t.Listener(ln), nil
}

type trackedListener struct {
	net.Listener
	t *Tracker
}

// Accept waits for the next connection and tracks it.
func (l *trackedListener) Accept() (net.Conn, error) {
	if isNilListener(l.Listener) {
		return nil, &net.OpError{Op: "accept", Err: errNilListener}
	}
	conn, err := l.Listener.Accept()
	if err == nil && conn != nil && l.t != nil {
		_ = l.t.track(conn, false)
	}
	return conn, err
}

// Addr returns the wrapped listener's address, or nil without one.
func (l *trackedListener) Addr() net.Addr {
	if isNilListener(l.Listener) {
		return nil
	}
	return l.Listener.Addr()
}

// Close closes the wrapped listener.
func (l *trackedListener) Close() error {
	if isNilListener(l.Listener) {
		return &net.OpError{Op: "close", Err: errNilListener}
	}
	return l.Listener.Close()
}

// Unwrap returns the wrapped listener.
func (l *trackedListener) Unwrap() net.Listener { return l.Listener }

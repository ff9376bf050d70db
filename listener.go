package keepalive

import (
	"errors"
	"log"
	"net"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// goAcceptKeepAlive returns what Go's per-accept keep-alive writes on
// each connection tl accepts (newTCPConn in net/tcpsock.go, Go 1.26,
// from the ListenConfig the listener keeps in its lc field): Enable is
// false when it writes nothing, a negative field is not written, zero
// is Go's default. A field that cannot be read makes it nothing, so that
// every option is set; TestIntegrationSyscalls pins the field, counting
// no setsockopt of the library on net.Listen's connections for Config{}.
func goAcceptKeepAlive(tl *net.TCPListener) net.KeepAliveConfig {
	lc := reflect.ValueOf(tl).Elem().FieldByName("lc")
	if !lc.IsValid() || lc.Type() != reflect.TypeFor[net.ListenConfig]() {
		return net.KeepAliveConfig{}
	}
	kc := lc.FieldByName("KeepAliveConfig")
	cfg := net.KeepAliveConfig{
		Enable:   kc.FieldByName("Enable").Bool(),
		Idle:     time.Duration(kc.FieldByName("Idle").Int()),
		Interval: time.Duration(kc.FieldByName("Interval").Int()),
		Count:    int(kc.FieldByName("Count").Int()),
	}
	if idle := time.Duration(lc.FieldByName("KeepAlive").Int()); !cfg.Enable && idle >= 0 {
		cfg = net.KeepAliveConfig{Enable: true, Idle: idle}
	}
	return cfg
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
// It never closes or holds back a connection the server would have had
// without it, except a TCP connection on which the kernel refused an
// option: that one is closed and reported, and Accept waits for the
// next. A connection that gets a weaker bound (Multipath TCP, an older
// kernel lacking an option) is returned and reported with an error
// wrapping errors.ErrUnsupported; one that is not a TCP socket is
// returned unchanged and reported once (docs/behaviour.md#wraplisteners-policy).
//
// Errors of the inner Accept are returned unchanged, so that
// http.Server's retry and net.ErrClosed after Close keep working. An
// invalid Config makes Accept return its *ConfigError (wrapped in a
// *net.OpError) without accepting anything.
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

	goWrites net.KeepAliveConfig // what Go's per-accept keep-alive writes (goInner only)
}

// What Accept reports, once per Listener where said.
const (
	reportWeaker uint32 = 1 << iota // logged once
	reportNotTCP                    // reported once
	reportClosed                    // reported every time
)

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
			l.learn.Do(func() { l.held = heldOptions(conn.(*net.TCPConn), l.Config, l.goWrites) })
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
// SO_KEEPALIVE, and the values of a Config equal to Go's defaults. Only
// what Go writes counts: a value the socket never had set reads the
// namespace's sysctl, which may equal c's today and change tomorrow.
// Skipping SO_KEEPALIVE needs a kernel on which a new TCP_KEEPIDLE
// re-arms a running keep-alive timer (Linux: tcp_sock_set_keepidle_locked;
// TestWrapListenerRearmsKeepalive), so it is done only where that was
// checked.
func (l *Listener) inspectInner() {
	tl, ok := l.Listener.(*net.TCPListener)
	l.goInner = ok && keepIdleRearms
	if l.goInner {
		l.goWrites = goAcceptKeepAlive(tl)
	}
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
	closeTimeout, cerr := readCloseTimeout()
	return opError("set", conn, &multipathError{refused: refused, bound: st.Timeout(), want: c.Timeout(), closeTimeout: closeTimeout, assumed: assumed(closeTimeout, cerr, st.Config, c)})
}

// assumed says which figures of a report are fallbacks, not read from
// the system: close_timeout where closeErr says it could not be read,
// and the system's keep-alive defaults where one of cs leaves a field to
// them and they could not be read. "" when every figure was read.
func assumed(closeTimeout time.Duration, closeErr error, cs ...Config) string {
	var s []string
	if closeErr != nil {
		s = append(s, "net.mptcp.close_timeout taken as "+closeTimeout.String()+", the kernel's default ("+closeErr.Error()+")")
	}
	for _, c := range cs {
		if err := c.systemFallback(); err != nil {
			s = append(s, err.Error())
			break
		}
	}
	return strings.Join(s, "; ")
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

package keepalive

import (
	"errors"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Limits from include/net/tcp.h (MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL,
// MAX_TCP_KEEPCNT) and do_tcp_setsockopt, which takes TCP_USER_TIMEOUT
// as a non-negative int of milliseconds.
var platform = limits{
	os:             "linux",
	maxIdle:        32767 * time.Second,
	maxInterval:    32767 * time.Second,
	maxCount:       127,
	maxUserTimeout: math.MaxInt32 * time.Millisecond,
}

// An option is one socket option, named as errors name it.
type option struct {
	level, name int
	set, get    string // "setsockopt NAME", "getsockopt NAME"
}

var (
	optKeepAlive   = option{unix.SOL_SOCKET, unix.SO_KEEPALIVE, "setsockopt SO_KEEPALIVE", "getsockopt SO_KEEPALIVE"}
	optIdle        = option{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, "setsockopt TCP_KEEPIDLE", "getsockopt TCP_KEEPIDLE"}
	optInterval    = option{unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, "setsockopt TCP_KEEPINTVL", "getsockopt TCP_KEEPINTVL"}
	optCount       = option{unix.IPPROTO_TCP, unix.TCP_KEEPCNT, "setsockopt TCP_KEEPCNT", "getsockopt TCP_KEEPCNT"}
	optUserTimeout = option{unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, "setsockopt TCP_USER_TIMEOUT", "getsockopt TCP_USER_TIMEOUT"}
)

// retransmitLimits reads tcp_retries2 and the largest retransmission
// timeout (tcp_rto_max_ms since Linux 6.15, TCP_RTO_MAX = 120s before).
func retransmitLimits() (retries int, rtoMax time.Duration, err error) {
	if retries, err = readSysctl("tcp_retries2"); err != nil {
		return 0, 0, err
	}
	rtoMax = 120 * time.Second
	if ms, err := readSysctl("tcp_rto_max_ms"); err == nil && ms > 0 {
		rtoMax = time.Duration(ms) * time.Millisecond
	}
	return retries, rtoMax, nil
}

func readSysctl(name string) (int, error) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// systemDefaults reads the namespace's sysctls that sockets without
// values of their own use.
func systemDefaults() (Config, error) {
	idle, err1 := readSysctl("tcp_keepalive_time")
	intvl, err2 := readSysctl("tcp_keepalive_intvl")
	count, err3 := readSysctl("tcp_keepalive_probes")
	if err := errors.Join(err1, err2, err3); err != nil {
		return Config{}, err
	}
	return Config{Idle: time.Duration(idle) * time.Second, Interval: time.Duration(intvl) * time.Second, Count: count}, nil
}

// setConn applies a valid c to sc's socket; generic asks to check first
// that the socket is TCP.
func setConn(sc syscall.Conn, c Config, generic bool) error {
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	return setRaw(rc, c, generic)
}

// A sockOp carries one Set, Get or user-timeout call into
// RawConn.Control. Its closures are made once per pooled sockOp, so that
// Set and Get allocate nothing beyond SyscallConn itself.
type sockOp struct {
	c                     Config
	generic               bool
	state                 State
	err                   error
	set, get, userTimeout func(fd uintptr)
}

var sockOps = sync.Pool{New: func() any {
	o := new(sockOp)
	o.set = func(fd uintptr) {
		if o.err = o.check(fd); o.err == nil {
			o.err = setFD(int(fd), o.c)
		}
	}
	o.get = func(fd uintptr) {
		if o.err = o.check(fd); o.err == nil {
			o.state, o.err = getFD(int(fd))
		}
	}
	o.userTimeout = func(fd uintptr) {
		var refused []error
		if o.err = setOption(int(fd), optUserTimeout, int(roundUp(o.c.UserTimeout, userTimeoutUnit)/time.Millisecond), &refused); o.err == nil && refused != nil {
			o.err = mptcpError(refused)
		}
	}
	return o
}}

func (o *sockOp) check(fd uintptr) error {
	if o.generic {
		return checkTCP(int(fd))
	}
	return nil
}

// control runs one of o's closures on rc and returns o to the pool.
func (o *sockOp) control(rc syscall.RawConn, fn func(uintptr)) error {
	err := rc.Control(fn)
	if err == nil {
		err = o.err
	}
	*o = sockOp{set: o.set, get: o.get, userTimeout: o.userTimeout}
	sockOps.Put(o)
	return err
}

func setRaw(rc syscall.RawConn, c Config, generic bool) error {
	o := sockOps.Get().(*sockOp)
	o.c, o.generic = c, generic
	return o.control(rc, o.set)
}

// setUserTimeout sets TCP_USER_TIMEOUT alone, from a dial hook.
func setUserTimeout(rc syscall.RawConn, c Config) error {
	o := sockOps.Get().(*sockOp)
	o.c = c
	return o.control(rc, o.userTimeout)
}

// setFD sets each option c asks for exactly once. The user timeout goes
// first and SO_KEEPALIVE last, so that the keep-alive timer starts with
// the final values.
func setFD(fd int, c Config) error {
	var refused []error
	r := c.resolved(Config{})
	steps := [...]struct {
		on  bool
		opt option
		v   int
	}{
		{r.UserTimeout > 0, optUserTimeout, int(r.UserTimeout / time.Millisecond)},
		{c.Idle != System, optIdle, int(r.Idle / time.Second)},
		{c.Interval != System, optInterval, int(r.Interval / time.Second)},
		{c.Count != System, optCount, r.Count},
		{true, optKeepAlive, 1},
	}
	for _, s := range steps {
		if !s.on {
			continue
		}
		if err := setOption(fd, s.opt, s.v, &refused); err != nil {
			return err
		}
	}
	if refused != nil {
		return mptcpError(refused)
	}
	return nil
}

// setOption sets one option. A Multipath TCP socket's refusal is added
// to refused, and not returned, so that the caller can set the rest.
func setOption(fd int, o option, v int, refused *[]error) error {
	err := unix.SetsockoptInt(fd, o.level, o.name, v)
	if err == nil {
		return nil
	}
	serr := os.NewSyscallError(o.set, err)
	if isRefusal(err) && isMPTCP(fd) {
		*refused = append(*refused, serr)
		return nil
	}
	return serr
}

// mptcpError reports the options a Multipath TCP socket refused.
func mptcpError(refused []error) error { return &refusedError{refused} }

// A refusedError matches errors.ErrUnsupported and each refusal.
type refusedError struct{ refused []error }

func (e *refusedError) Error() string {
	s := "keepalive: Multipath TCP socket refused "
	for i, err := range e.refused {
		if i > 0 {
			s += "; "
		}
		s += err.Error()
	}
	return s + ": " + errors.ErrUnsupported.Error()
}

func (e *refusedError) Unwrap() []error {
	return append([]error{errors.ErrUnsupported}, e.refused...)
}

// isRefusal reports the errors with which a socket says it does not
// have an option at all (mptcp_setsockopt: EOPNOTSUPP or ENOPROTOOPT
// depending on the kernel version).
func isRefusal(err error) bool {
	return err == unix.ENOPROTOOPT || err == unix.EOPNOTSUPP
}

func isMPTCP(fd int) bool {
	p, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	return err == nil && p == unix.IPPROTO_MPTCP
}

// checkTCP rejects sockets that are not TCP (or Multipath TCP) streams,
// before anything is set on them.
func checkTCP(fd int) error {
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return os.NewSyscallError("getsockopt SO_TYPE", err)
	}
	proto, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	if err != nil {
		return os.NewSyscallError("getsockopt SO_PROTOCOL", err)
	}
	if typ != unix.SOCK_STREAM || (proto != unix.IPPROTO_TCP && proto != unix.IPPROTO_MPTCP) {
		return errNotTCP
	}
	return nil
}

func getConn(sc syscall.Conn, generic bool) (State, error) {
	rc, err := sc.SyscallConn()
	if err != nil {
		return State{}, err
	}
	o := sockOps.Get().(*sockOp)
	o.generic = generic
	err = rc.Control(o.get)
	if err == nil {
		err = o.err
	}
	s := o.state
	*o = sockOp{set: o.set, get: o.get, userTimeout: o.userTimeout}
	sockOps.Put(o)
	return s, err
}

func getFD(fd int) (State, error) {
	var firstErr error
	get := func(o option) int {
		v, err := unix.GetsockoptInt(fd, o.level, o.name)
		if err != nil && firstErr == nil {
			firstErr = os.NewSyscallError(o.get, err)
		}
		return v
	}
	on := get(optKeepAlive)
	idle := get(optIdle)
	intvl := get(optInterval)
	count := get(optCount)
	if firstErr != nil {
		return State{}, firstErr
	}
	ut, err := unix.GetsockoptInt(fd, optUserTimeout.level, optUserTimeout.name)
	if err != nil {
		// A Multipath TCP socket has no user timeout to report.
		if !isRefusal(err) || !isMPTCP(fd) {
			return State{}, os.NewSyscallError(optUserTimeout.get, err)
		}
		ut = 0
	}
	return State{
		Enabled: on != 0,
		Config: Config{
			Idle:        time.Duration(idle) * time.Second,
			Interval:    time.Duration(intvl) * time.Second,
			Count:       count,
			UserTimeout: time.Duration(ut) * time.Millisecond,
		},
	}, nil
}

// control returns the hook that applies c to a socket before it connects
// or listens, or fails with c's Validate error.
func control(c Config) func(network, address string, rc syscall.RawConn) error {
	verr := c.Validate()
	return func(network, _ string, rc syscall.RawConn) error {
		if !isTCPNetwork(network) {
			return nil
		}
		if verr != nil {
			return verr
		}
		return setRaw(rc, c, false)
	}
}

// configureListenConfig sets the options once, on the listening socket:
// Linux copies SO_KEEPALIVE, TCP_KEEPIDLE/INTVL/CNT and TCP_USER_TIMEOUT
// to each accepted socket (inet_csk_clone_lock copies the whole socket),
// so an accepted connection costs no syscall. Go's own per-accept
// keep-alive is turned off so that it does not overwrite them.
//
// A Multipath TCP listening socket refuses TCP_USER_TIMEOUT and a
// net.ListenConfig has no per-accept hook to set it on the plain TCP
// connections it accepts, so a Config with a UserTimeout listens with
// plain TCP. Were Multipath TCP turned back on, the hook's error on the
// Multipath TCP socket makes Go fall back to plain TCP
// (net/mptcpsock_linux.go: "fallback in case of any error with MPTCP").
func configureListenConfig(lc *net.ListenConfig, c Config) {
	lc.KeepAlive = -1
	lc.KeepAliveConfig = net.KeepAliveConfig{}
	lc.Control = control(c)
	if c.UserTimeout > 0 {
		lc.SetMultipathTCP(false)
	}
}

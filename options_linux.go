package keepalive

import (
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"strconv"
	"strings"
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

// systemDefaults reads the namespace's sysctls that sockets without
// values of their own use.
func systemDefaults() (Config, error) {
	read := func(name string) (int, error) {
		b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
		if err != nil {
			return 0, err
		}
		return strconv.Atoi(strings.TrimSpace(string(b)))
	}
	idle, err1 := read("tcp_keepalive_time")
	intvl, err2 := read("tcp_keepalive_intvl")
	count, err3 := read("tcp_keepalive_probes")
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

func setRaw(rc syscall.RawConn, c Config, generic bool) error {
	var err error
	if cerr := rc.Control(func(fd uintptr) {
		if generic {
			if err = checkTCP(int(fd)); err != nil {
				return
			}
		}
		err = setFD(int(fd), c)
	}); cerr != nil {
		return cerr
	}
	return err
}

// setFD sets each option c asks for exactly once. The user timeout goes
// first and SO_KEEPALIVE last, so that the keep-alive timer starts with
// the final values.
func setFD(fd int, c Config) error {
	var refused []error
	set := func(o option, v int) error {
		err := unix.SetsockoptInt(fd, o.level, o.name, v)
		if err == nil {
			return nil
		}
		serr := os.NewSyscallError(o.set, err)
		if isRefusal(err) && isMPTCP(fd) {
			refused = append(refused, serr)
			return nil
		}
		return serr
	}
	r := c.resolved(Config{})
	if r.UserTimeout > 0 {
		if err := set(optUserTimeout, int(r.UserTimeout/time.Millisecond)); err != nil {
			return err
		}
	}
	if c.Idle != System {
		if err := set(optIdle, int(r.Idle/time.Second)); err != nil {
			return err
		}
	}
	if c.Interval != System {
		if err := set(optInterval, int(r.Interval/time.Second)); err != nil {
			return err
		}
	}
	if c.Count != System {
		if err := set(optCount, r.Count); err != nil {
			return err
		}
	}
	if err := set(optKeepAlive, 1); err != nil {
		return err
	}
	if refused != nil {
		return mptcpError(refused)
	}
	return nil
}

// mptcpError reports the options a Multipath TCP socket refused.
func mptcpError(refused []error) error {
	return fmt.Errorf("keepalive: Multipath TCP socket: %w", errors.Join(append([]error{errors.ErrUnsupported}, refused...)...))
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
	var s State
	if cerr := rc.Control(func(fd uintptr) {
		if generic {
			if err = checkTCP(int(fd)); err != nil {
				return
			}
		}
		s, err = getFD(int(fd))
	}); cerr != nil {
		return State{}, cerr
	}
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
// or listens. c was validated by the caller; err is its Validate error.
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

// dialerSettings turns off Go's own keep-alive, which would overwrite
// the hook's values after it runs, and returns the hook.
func dialerSettings(c Config) (time.Duration, net.KeepAliveConfig, func(network, address string, rc syscall.RawConn) error) {
	return -1, net.KeepAliveConfig{}, control(c)
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

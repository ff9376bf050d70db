package keepalive

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive/internal/kernel"
)

// What only Linux has: its option numbers, the protocol check, Multipath
// TCP sockets, and the sysctls SystemDefaults reads. The other systems'
// answers are in multipath_stub.go, defaults_stub.go and
// protocol_getsockname.go.

// numbers: Linux's, from golang.org/x/sys for this architecture
// (SOL_SOCKET and SO_KEEPALIVE, set in sockopt_unix.go, differ on mips
// and sparc).
var numbers = optionNumbers{idle: unix.TCP_KEEPIDLE, interval: unix.TCP_KEEPINTVL, count: unix.TCP_KEEPCNT, userTimeout: unix.TCP_USER_TIMEOUT}

// refuser names what refused an option that the socket lacks: on Linux,
// a Multipath TCP socket refuses TCP_USER_TIMEOUT (mptcp_setsockopt:
// EOPNOTSUPP or ENOPROTOOPT depending on the kernel version). A plain
// TCP socket has every option, so its refusals are errors.
func refuser(fd uintptr) string {
	if isMPTCP(fd) {
		return "Multipath TCP socket"
	}
	return ""
}

func isMPTCP(fd uintptr) bool {
	p, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL)
	return err == nil && p == unix.IPPROTO_MPTCP
}

// isTCPProtocol reports whether a stream socket is TCP: here, whether
// the socket says its protocol is TCP or Multipath TCP.
func isTCPProtocol(fd uintptr) (bool, error) {
	proto, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL)
	if err != nil {
		return false, os.NewSyscallError("getsockopt SO_PROTOCOL", err)
	}
	return proto == unix.IPPROTO_TCP || proto == unix.IPPROTO_MPTCP, nil
}

// multipathExists: Linux has Multipath TCP sockets.
const multipathExists = true

// keepIdleRearms: setting TCP_KEEPIDLE on a socket whose keep-alive is
// on re-arms its timer with the new value (tcp_sock_set_keepidle_locked).
const keepIdleRearms = true

// multipathCloseTimeout is how long the kernel keeps a Multipath TCP
// connection whose last subflow died: net.mptcp.close_timeout, in
// seconds, or TCP_TIMEWAIT_LEN (60s), the kernel's default, where the
// sysctl cannot be read.
func multipathCloseTimeout() time.Duration {
	d, _ := readCloseTimeout()
	return d
}

// readCloseTimeout is multipathCloseTimeout, with the reason it fell back
// to the kernel's default (an fd limit reached, say), or nil.
func readCloseTimeout() (time.Duration, error) {
	const fallback = 60 * time.Second
	b, err := os.ReadFile("/proc/sys/net/mptcp/close_timeout")
	if err != nil {
		return fallback, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || n < 0 {
		return fallback, fmt.Errorf("net.mptcp.close_timeout reads %q", b)
	}
	return time.Duration(n) * time.Second, nil
}

// multipathInUse reports a Multipath TCP socket that has not fallen back
// to plain TCP (as one whose peer does not speak Multipath TCP does: its
// single subflow's error then reaches it at once, and close_timeout does
// not apply). MPTCP_INFO answers EOPNOTSUPP after a fallback, as Go's
// (*net.TCPConn).MultipathTCP reads it (net/mptcpsock_linux.go,
// hasFallenBack); anything else, EINVAL for the short buffer included,
// means in use.
func multipathInUse(fd uintptr) bool {
	if !isMPTCP(fd) {
		return false
	}
	_, err := unix.GetsockoptInt(int(fd), unix.SOL_MPTCP, kernel.MPTCPInfo)
	return err != unix.EOPNOTSUPP
}

// cachedRetransmitLimits is retransmitLimits read at most once a minute
// (retransmitLimitsAge), for Inspect: a change to either sysctl shows
// within a minute, and no call reads a file more often.
func cachedRetransmitLimits() (retries int, rtoMax time.Duration, err error) {
	l := &retransmitCache
	l.mu.Lock()
	defer l.mu.Unlock()
	if now := time.Now(); l.read.IsZero() || now.Sub(l.read) >= retransmitLimitsAge || l.err != nil {
		l.retries, l.rtoMax, l.err = retransmitLimits()
		l.read = now
	}
	return l.retries, l.rtoMax, l.err
}

const retransmitLimitsAge = time.Minute

var retransmitCache struct {
	mu      sync.Mutex
	read    time.Time
	retries int
	rtoMax  time.Duration
	err     error
}

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

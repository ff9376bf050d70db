package keepalive

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

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

// skipMultipathRefusal drops from a hook's error what a Multipath TCP
// socket refused (TCP_USER_TIMEOUT), so that Go keeps the Multipath TCP
// socket instead of falling back to plain TCP. On Linux only a
// Multipath TCP socket refuses an option (refuser).
func skipMultipathRefusal(err error) error {
	if _, ok := errors.AsType[*refusedError](err); ok {
		return nil
	}
	return err
}

// multipathInUse reports a Multipath TCP socket that has not fallen back
// to plain TCP (as one whose peer does not speak Multipath TCP does: its
// single subflow's error then reaches it at once, and close_timeout does
// not apply). MPTCP_INFO answers EOPNOTSUPP after a fallback, as Go's
// (*net.TCPConn).MultipathTCP reads it (net/mptcpsock_linux.go,
// hasFallenBack); anything else, EINVAL for the short buffer included,
// means in use.
// mptcpInfo is MPTCP_INFO (linux/mptcp.h), which x/sys does not define.
const mptcpInfo = 1

func multipathInUse(fd uintptr) bool {
	if !isMPTCP(fd) {
		return false
	}
	_, err := unix.GetsockoptInt(int(fd), unix.SOL_MPTCP, mptcpInfo)
	return err != unix.EOPNOTSUPP
}

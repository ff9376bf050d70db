package keepalive

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// linuxNative is linuxOptions with this architecture's numbers
// (SOL_SOCKET and SO_KEEPALIVE differ on mips and sparc).
var linuxNative = linuxOptions.native(optionNumbers{
	solSocket: unix.SOL_SOCKET, soKeepAlive: unix.SO_KEEPALIVE, ipprotoTCP: unix.IPPROTO_TCP,
	idle: unix.TCP_KEEPIDLE, interval: unix.TCP_KEEPINTVL, count: unix.TCP_KEEPCNT, userTimeout: unix.TCP_USER_TIMEOUT,
})

func platform() *sockopts { return linuxNative }

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

// checkTCP rejects sockets that are not TCP (or Multipath TCP) streams,
// before anything is set on them.
func checkTCP(fd uintptr) error {
	typ, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return os.NewSyscallError("getsockopt SO_TYPE", err)
	}
	proto, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL)
	if err != nil {
		return os.NewSyscallError("getsockopt SO_PROTOCOL", err)
	}
	if typ != unix.SOCK_STREAM || (proto != unix.IPPROTO_TCP && proto != unix.IPPROTO_MPTCP) {
		return errNotTCP
	}
	return nil
}

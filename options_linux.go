package keepalive

import (
	"os"

	"golang.org/x/sys/unix"
)

// numbers: Linux's, from golang.org/x/sys for this architecture
// (SOL_SOCKET and SO_KEEPALIVE, set in platform_unix.go, differ on mips
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

// checkTCP rejects sockets that are not TCP (or Multipath TCP) streams,
// before anything is set on them.
func checkTCP(fd uintptr) error {
	typ, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		if isNotSocket(err) {
			return notSocket(err)
		}
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

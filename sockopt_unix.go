//go:build unix

package keepalive

import (
	"runtime"
	"sync"

	"golang.org/x/sys/unix"
)

// platform is the running system's table (tableFor), completed with the
// numbers golang.org/x/sys gives for SOL_SOCKET and SO_KEEPALIVE (they
// differ on Linux's mips and sparc) and, on Linux, for the TCP options
// (numbers, options_linux.go; the other systems' tables hold their own),
// chosen once.
var platform = sync.OnceValue(func() *sockopts {
	n := numbers
	n.solSocket, n.soKeepAlive, n.ipprotoTCP = unix.SOL_SOCKET, unix.SO_KEEPALIVE, unix.IPPROTO_TCP
	rel := ""
	if release != nil {
		rel = release()
	}
	return tableFor(runtime.GOOS, rel).native(n)
})

// release reads what picks the system's table where the table depends on
// the release (tableFor): DragonFly's kern.osreldate
// (options_dragonfly.go), Oracle Solaris's uname version
// (options_solaris.go). It is nil elsewhere.
var release func() string

// soTypeOpt and sockStream are what checkTCP compares.
var soTypeOpt = sockopt{name: "SO_TYPE", level: unix.SOL_SOCKET, num: unix.SO_TYPE}

const sockStream = unix.SOCK_STREAM

func setsockoptInt(fd uintptr, o sockopt, v int) error {
	return unix.SetsockoptInt(int(fd), o.level, o.num, v)
}

func getsockoptInt(fd uintptr, o sockopt) (int, error) {
	return unix.GetsockoptInt(int(fd), o.level, o.num)
}

// setKeepaliveVals is Windows' alone: no Unix table sets ioctl.
func setKeepaliveVals(uintptr, tcpKeepalive) error {
	return unsupported("SIO_KEEPALIVE_VALS")
}

// isRefusal reports the errors with which a socket says it does not
// have an option at all (EOPNOTSUPP or ENOPROTOOPT depending on the
// system and its version).
func isRefusal(err error) bool {
	return err == unix.ENOPROTOOPT || err == unix.EOPNOTSUPP
}

// isNotSocket reports the error with which a descriptor that is not a
// socket (a pipe, a file) answers getsockopt.
func isNotSocket(err error) bool { return err == unix.ENOTSOCK }

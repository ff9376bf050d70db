//go:build unix

package keepalive

import "golang.org/x/sys/unix"

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

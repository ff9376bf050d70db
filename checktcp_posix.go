//go:build (unix && !linux) || windows

package keepalive

import "os"

// checkTCP rejects sockets that are not TCP streams, before anything is
// set on them: a stream socket of an Internet address family is TCP (or
// SCTP, which refuses the TCP options). Linux asks the socket for its
// protocol instead (options_linux.go).
func checkTCP(fd uintptr) error {
	typ, err := getsockoptInt(fd, soTypeOpt)
	if err != nil {
		if isNotSocket(err) {
			return notSocket(err)
		}
		return os.NewSyscallError("getsockopt SO_TYPE", err)
	}
	inet, err := isInet(fd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	if typ != sockStream || !inet {
		return errNotTCP
	}
	return nil
}

//go:build unix && !linux

package keepalive

import (
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// What the Unix-like systems other than Linux share. The system's
// table comes from its own options_GOOS.go file.

// checkTCP rejects sockets that are not TCP streams, before anything is
// set on them: a stream socket of an Internet address family is TCP (or
// SCTP, which refuses the TCP options).
func checkTCP(fd uintptr) error {
	typ, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return os.NewSyscallError("getsockopt SO_TYPE", err)
	}
	sa, err := unix.Getsockname(int(fd))
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	switch sa.(type) {
	case *unix.SockaddrInet4, *unix.SockaddrInet6:
		if typ == unix.SOCK_STREAM {
			return nil
		}
	}
	return errNotTCP
}

// refuser names what refused an option: here the kernel itself, which
// lacks it in this version (FreeBSD releases whose headers have
// TCP_MAXUNACKTIME but whose base stack does not handle it yet, say).
func refuser(uintptr) string { return runtime.GOOS }

func retransmitLimits() (int, time.Duration, error) {
	return 0, 0, unsupported("reading the system's retransmission limits")
}

func systemDefaults() (Config, error) {
	return Config{}, unsupported("reading the system's keep-alive defaults")
}

//go:build unix && !linux

package keepalive

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// What the Unix-like systems other than Linux share.

// soTypeOpt and sockStream are what checkTCP compares.
var soTypeOpt = sockopt{name: "SO_TYPE", level: unix.SOL_SOCKET, num: unix.SO_TYPE}

const sockStream = unix.SOCK_STREAM

// isInet reports whether the socket's address is of an Internet family.
func isInet(fd uintptr) (bool, error) {
	sa, err := unix.Getsockname(int(fd))
	switch sa.(type) {
	case *unix.SockaddrInet4, *unix.SockaddrInet6:
		return true, nil
	}
	return false, err
}

// refuser names what refused an option: here the kernel itself, which
// lacks it in this version (FreeBSD releases whose headers have
// TCP_MAXUNACKTIME but whose base stack does not handle it yet, say).
func refuser(uintptr) string { return runtime.GOOS }

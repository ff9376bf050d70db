//go:build unix && !linux

package keepalive

import (
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// How the Unix-like systems other than Linux tell a TCP socket (by its
// address, from getsockname) and who refused an option; Linux's are in
// options_linux.go. Their tables (platform.go) hold their option numbers, which TestTableNumbers
// checks against golang.org/x/sys's; only the DragonFly and Oracle
// Solaris tables depend on the release (release, in
// options_dragonfly.go and options_solaris.go).
var numbers = optionNumbers{}

// isTCPProtocol reports whether a stream socket is TCP: here, whether
// its address is of an Internet family (SCTP, the other such protocol,
// refuses the TCP options).
func isTCPProtocol(fd uintptr) (bool, error) {
	sa, err := unix.Getsockname(int(fd))
	switch sa.(type) {
	case *unix.SockaddrInet4, *unix.SockaddrInet6:
		return true, nil
	}
	return false, os.NewSyscallError("getsockname", err)
}

// refuser names what refused an option: here the kernel itself, which
// lacks it in this version (FreeBSD releases whose headers have
// TCP_MAXUNACKTIME but whose base stack does not handle it yet, say).
func refuser(uintptr) string { return runtime.GOOS }

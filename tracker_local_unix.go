//go:build unix && !linux

package keepalive

import (
	"net/netip"

	"golang.org/x/sys/unix"
)

// localAddr reads a socket's local address (getsockname); zero if not.
func localAddr(fd uintptr) netip.AddrPort {
	switch sa, _ := unix.Getsockname(int(fd)); sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

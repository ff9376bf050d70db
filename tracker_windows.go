package keepalive

import (
	"net/netip"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// A sysReader reads a tracked socket for Collect: SIO_TCP_INFO as Check
// reads it (Windows 10 1703 and later: the state and RTT), never the
// pending error, and the settings once. It lives in the heap with its
// collector, so that the ioctl writes into it without allocating.
type sysReader struct {
	info    tcpInfoV0
	version uint32 // TCP_INFO_v0
	n       uint32
}

func (s *sysReader) read(fd uintptr, e *entry, r *Reading) error {
	settleSettings(fd, e)
	s.version = 0
	if windows.WSAIoctl(windows.Handle(fd), sioTCPInfo, (*byte)(unsafe.Pointer(&s.version)), 4,
		(*byte)(unsafe.Pointer(&s.info)), uint32(unsafe.Sizeof(s.info)), &s.n, nil, 0) != nil || s.n < tcpInfoV0Known {
		return nil
	}
	if s.info.State < uint32(len(windowsStates)) {
		r.State = windowsStates[s.info.State]
	}
	r.RTT = time.Duration(s.info.RttUs) * time.Microsecond
	return nil
}

// sinceReceived is not reported by Windows.
func sinceReceived(uintptr) time.Duration { return -1 }

// trackable reports a socket a Tracker cannot read.
func trackable(fd uintptr) error { return checkTCP(fd) }

// localAddr reads a socket's local address (getsockname); zero if not.
func localAddr(fd uintptr) netip.AddrPort {
	switch sa, _ := windows.Getsockname(windows.Handle(fd)); sa := sa.(type) {
	case *windows.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *windows.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
	return netip.AddrPort{}
}

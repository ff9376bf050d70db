package keepalive

import (
	"net/netip"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A sysReader reads a tracked socket for Collect. On Linux: TCP_INFO,
// and the settings (and a dialed socket's local address) once. It
// lives in the heap with its collector, so that getsockopt writes into
// it without an allocation (x/sys's GetsockoptTCPInfo makes one).
type sysReader struct {
	info unix.TCPInfo
	n    uint32
}

func (s *sysReader) read(fd uintptr, e *entry, r *Reading) error {
	s.n = uint32(unsafe.Sizeof(s.info))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.IPPROTO_TCP, unix.TCP_INFO,
		uintptr(unsafe.Pointer(&s.info)), uintptr(unsafe.Pointer(&s.n)), 0)
	if errno != 0 || s.n < uint32(unsafe.Offsetof(s.info.Rcv_rtt)) {
		// A Multipath TCP socket without a subflow: nothing to read.
		r.State = TCPUnknown
		return nil
	}
	info := &s.info
	r.State = TCPState(info.State)
	if r.State > TCPClosing {
		r.State = TCPUnknown
	}
	r.SinceReceived = time.Duration(min(info.Last_data_recv, info.Last_ack_recv)) * time.Millisecond
	r.Probes = int(info.Probes)
	r.Retransmissions = int(info.Retransmits)
	r.Unacked = int(info.Unacked)
	r.RTT = time.Duration(info.Rtt) * time.Microsecond
	r.RTO = time.Duration(info.Rto) * time.Microsecond
	if !e.settled && r.State != TCPSynSent {
		settle(fd, e)
	}
	return nil
}

// settle reads once what Collect does not read each time: the settings
// and the bound they make, and a dialed socket's local address.
func settle(fd uintptr, e *entry) {
	e.settled = true
	if ka, err := getFD(fd); err == nil {
		e.ka, e.bound = ka, ka.Timeout()
	}
	if e.local.IsValid() {
		return
	}
	switch sa := sockname(fd).(type) {
	case *unix.SockaddrInet4:
		e.local = netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		e.local = netip.AddrPortFrom(netip.AddrFrom16(sa.Addr), uint16(sa.Port))
	}
}

func sockname(fd uintptr) unix.Sockaddr {
	sa, err := unix.Getsockname(int(fd))
	if err != nil {
		return nil
	}
	return sa
}

// sinceReceived reads the time since the last packet received, for a
// report; -1 where it cannot.
func sinceReceived(fd uintptr) time.Duration {
	info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		return -1
	}
	return time.Duration(min(info.Last_data_recv, info.Last_ack_recv)) * time.Millisecond
}

// trackable reports a socket a Tracker cannot read.
func trackable(fd uintptr) error { return checkTCP(fd) }

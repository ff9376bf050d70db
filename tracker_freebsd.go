package keepalive

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A sysReader reads a tracked socket for Collect: TCP_INFO as Check
// reads it (the state, RTT, RTO and time since the last segment), never
// the pending error, and the settings once. It lives in the heap with
// its collector, so that getsockopt writes into it without allocating.
type sysReader struct {
	info freebsdTCPInfo
	n    uint32
}

func (s *sysReader) read(fd uintptr, e *entry, r *Reading) error {
	settleSettings(fd, e)
	s.n = uint32(unsafe.Sizeof(s.info))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.IPPROTO_TCP, unix.TCP_INFO,
		uintptr(unsafe.Pointer(&s.info)), uintptr(unsafe.Pointer(&s.n)), 0)
	switch {
	case errno == 0 && s.n >= freebsdTCPInfoKnown:
		if int(s.info.State) < len(bsdStates) {
			r.State = bsdStates[s.info.State]
		}
		r.SinceReceived = time.Duration(s.info.LastDataRecv) * time.Microsecond
		r.RTT = time.Duration(s.info.Rtt) * time.Microsecond
		r.RTO = time.Duration(s.info.Rto) * time.Microsecond
	case errno == unix.ECONNRESET:
		// A dropped connection refuses every TCP option (tcp_ctloutput).
		r.State = TCPClosed
	}
	return nil
}

// sinceReceived reads the time since the last segment, for a report.
func sinceReceived(fd uintptr) time.Duration {
	var s sysReader
	var r Reading
	r.SinceReceived = -1
	s.read(fd, &entry{settled: true}, &r)
	return r.SinceReceived
}

// trackable reports a socket a Tracker cannot read.
func trackable(fd uintptr) error { return checkTCP(fd) }

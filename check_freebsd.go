package keepalive

import (
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// inspectFD reads TCP_INFO (struct tcp_info of sys/netinet/tcp.h, filled
// by tcp_fill_info in sys/netinet/tcp_usrreq.c; see freebsdTCPInfo): the
// state, in the TCPS_ numbering of sys/netinet/tcp_fsm.h; the RTT
// (t_srtt) and RTO (t_rxtcur) and the time since the last segment
// arrived (t_rcvtime, which tcp_input sets for every segment, an
// acknowledgement or a keep-alive answer too), all in microseconds
// (ticks × tick); and the pending error (SO_ERROR) once the connection is
// dropped. FreeBSD counts retransmissions only in total
// (tcpi_snd_rexmitpack) and leaves __tcpi_retransmits, __tcpi_probes and
// __tcpi_unacked zero, so Probes, Retransmissions and Unacked stay
// unknown and Check never reports ErrUnanswered here.
//
// On a dropped connection (INP_DROPPED) tcp_ctloutput refuses every TCP
// option with ECONNRESET, and so do FreeBSD 13 and older in TIME_WAIT
// (INP_TIMEWAIT); SO_ERROR then tells why it was dropped, unless a Read,
// Write or Check took that already.
func inspectFD(fd uintptr, generic, full bool, h *Health) error {
	if generic {
		if err := checkTCP(fd); err != nil {
			return err
		}
	}
	var info freebsdTCPInfo
	n := uint32(unsafe.Sizeof(info))
	_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.IPPROTO_TCP, unix.TCP_INFO,
		uintptr(unsafe.Pointer(&info)), uintptr(unsafe.Pointer(&n)), 0)
	read := errno == 0 && n >= freebsdTCPInfoKnown
	switch {
	case read:
		if int(info.State) < len(bsdStates) {
			h.State = bsdStates[info.State]
		}
		h.SinceReceived = time.Duration(info.LastDataRecv) * time.Microsecond
		h.RTT = time.Duration(info.Rtt) * time.Microsecond
		h.RTO = time.Duration(info.Rto) * time.Microsecond
	case errno == unix.ECONNRESET:
		h.State = TCPClosed
	}
	return finishBSD(fd, read, full, h)
}

// freebsdTCPInfoKnown is how much of struct tcp_info inspectFD reads.
const freebsdTCPInfoKnown = uint32(unsafe.Offsetof(freebsdTCPInfo{}.Rtt) + unsafe.Sizeof(freebsdTCPInfo{}.Rtt))

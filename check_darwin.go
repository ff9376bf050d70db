package keepalive

import (
	"time"

	"golang.org/x/sys/unix"
)

// inspectFD reads TCP_CONNECTION_INFO (xnu bsd/netinet/tcp.h, struct
// tcp_connection_info; filled by tcp_fill_connection_info in
// bsd/netinet/tcp_usrreq.c): the state, in the BSD numbering of
// bsd/netinet/tcp_fsm.h, and the RTT and RTO in milliseconds, and the
// pending error (SO_ERROR) once the state is CLOSED or the option is
// missing. xnu reports no per-segment retransmission or keep-alive probe
// count (only totals: tcpi_txretransmitpackets), so Probes,
// Retransmissions and Unacked stay unknown and Check never reports
// ErrUnanswered here.
func inspectFD(fd uintptr, generic, full bool, h *Health) error {
	if generic {
		if err := checkTCP(fd); err != nil {
			return err
		}
	}
	info, err := unix.GetsockoptTCPConnectionInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_CONNECTION_INFO)
	if err == nil {
		if int(info.State) < len(bsdStates) {
			h.State = bsdStates[info.State]
		}
		h.RTT = time.Duration(info.Srtt) * time.Millisecond
		h.RTO = time.Duration(info.Rto) * time.Millisecond
	}
	return finishBSD(fd, err == nil, full, h)
}

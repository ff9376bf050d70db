//go:build darwin || freebsd

package keepalive

import (
	"fmt"
	"syscall"
)

var errDroppedEarlier = fmt.Errorf("connection dropped earlier, its error already taken: %w", syscall.EPIPE)

// bsdStates maps the TCPS_ states of tcp_fsm.h, the same 4.4BSD numbering
// in xnu (bsd/netinet/tcp_fsm.h) and FreeBSD (sys/netinet/tcp_fsm.h):
// TCPS_CLOSED = 0 … TCPS_TIME_WAIT = 10.
var bsdStates = [...]TCPState{
	TCPClosed, TCPListen, TCPSynSent, TCPSynReceived, TCPEstablished, TCPCloseWait,
	TCPFinWait1, TCPClosing, TCPLastAck, TCPFinWait2, TCPTimeWait,
}

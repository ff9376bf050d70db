//go:build darwin || freebsd

package keepalive

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// finishBSD completes a reading of the TCP state (read: whether there is
// one): it takes the pending error (SO_ERROR) when there is no state or
// the state is CLOSED, and reads the settings back when full asks for
// them.
func finishBSD(fd uintptr, read, full bool, h *Health) error {
	if !read || h.State == TCPClosed {
		v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			return os.NewSyscallError("getsockopt SO_ERROR", err)
		}
		switch {
		case v != 0:
			h.State, h.Err = TCPClosed, syscall.Errno(v)
		case h.State == TCPClosed:
			// An earlier call took the error; a Write now fails with
			// EPIPE.
			h.Err = errDroppedEarlier
		}
	}
	if full && platform().readBack {
		var err error
		if h.KeepAlive, err = getFD(fd); err != nil {
			return err
		}
	}
	return nil
}

// bsdStates maps the TCPS_ states of tcp_fsm.h, the same 4.4BSD numbering
// in xnu (bsd/netinet/tcp_fsm.h) and FreeBSD (sys/netinet/tcp_fsm.h):
// TCPS_CLOSED = 0 … TCPS_TIME_WAIT = 10.
var bsdStates = [...]TCPState{
	TCPClosed, TCPListen, TCPSynSent, TCPSynReceived, TCPEstablished, TCPCloseWait,
	TCPFinWait1, TCPClosing, TCPLastAck, TCPFinWait2, TCPTimeWait,
}

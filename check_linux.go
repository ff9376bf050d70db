package keepalive

import (
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// inspectFD reads TCP_INFO (net/ipv4/tcp.c, tcp_get_info), and the
// pending error once the kernel has dropped the connection. Linux's
// state numbers (include/net/tcp_states.h) are TCPState's. The settings
// are read back when full asks or when something is unanswered, for
// GivesUpIn and Check's error text. docs/behaviour.md cites the kernel
// code behind each reading.
func inspectFD(fd uintptr, generic, full bool, h *Health) error {
	if generic {
		if err := checkTCP(fd); err != nil {
			return err
		}
	}
	info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		if !isRefusal(err) {
			return os.NewSyscallError("getsockopt TCP_INFO", err)
		}
		// A Multipath TCP socket on kernels before 6.x refuses
		// TCP_INFO: say what the pending error says.
		h.Err = pendingError(fd)
		return nil
	}
	h.State = TCPState(info.State)
	if h.State > TCPClosing {
		h.State = TCPUnknown
	}
	h.SinceReceived = time.Duration(min(info.Last_data_recv, info.Last_ack_recv)) * time.Millisecond
	h.Probes = int(info.Probes)
	h.Retransmissions = int(info.Retransmits)
	h.Unacked = int(info.Unacked)
	h.RTT = time.Duration(info.Rtt) * time.Microsecond
	h.RTO = time.Duration(info.Rto) * time.Microsecond
	if h.State == TCPClosed {
		if h.Err = pendingError(fd); h.Err == nil {
			// An earlier call took the error: the socket is shut both
			// ways (tcp_done), and a Write fails with EPIPE.
			h.Err = errDroppedEarlier
		}
		h.GivesUpIn = 0
		return nil
	}
	if !full && h.Probes == 0 && h.Retransmissions == 0 {
		return nil
	}
	if h.KeepAlive, err = getFD(fd); err != nil {
		return err
	}
	h.GivesUpIn = givesUpIn(h)
	return nil
}

var errDroppedEarlier = fmt.Errorf("connection dropped earlier, its error already taken: %w", syscall.EPIPE)

// pendingError takes the socket's pending error (SO_ERROR), which the
// kernel clears as it hands it over (net/core/sock.c, sock_error).
func pendingError(fd uintptr) error {
	v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return os.NewSyscallError("getsockopt SO_ERROR", err)
	}
	if v == 0 {
		return nil
	}
	return syscall.Errno(v)
}

// givesUpIn bounds what the kernel still waits for a connection that
// hears nothing more from now on (net/ipv4/tcp_timer.c):
//
//   - idle (nothing unacknowledged): tcp_keepalive_timer drops it at
//     State.Timeout() after the last packet received;
//   - busy with a user timeout: tcp_write_timeout drops it UserTimeout
//     after the oldest unacknowledged segment was sent, which was at
//     least the k fired retransmission timeouts ago (RTO doubles at each:
//     RTO·(1-2^-k));
//   - busy without: it drops it at the first retransmission timeout
//     after tcp_model_timeout(tcp_retries2, 200ms), at most rtoMax later.
//
// -1 when keep-alive is off on an idle connection or the limits cannot be
// read.
func givesUpIn(h *Health) time.Duration {
	if h.Unacked <= 0 {
		if !h.KeepAlive.Enabled {
			return -1
		}
		return max(h.KeepAlive.Timeout()-h.SinceReceived, 0)
	}
	rto := max(h.RTO, 0)
	fired := rto - rto>>min(h.Retransmissions, 62)
	if h.Retransmissions == 0 {
		fired = 0
	}
	if ut := h.KeepAlive.Config.UserTimeout; ut > 0 {
		return max(ut-fired, 0)
	}
	retries, rtoMax, err := retransmitLimits()
	if err != nil {
		return -1
	}
	return max(retransmitTimeout(retries, 200*time.Millisecond, rtoMax)-fired+rtoMax, 0)
}

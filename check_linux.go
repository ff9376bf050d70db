package keepalive

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// inspectFD reads TCP_INFO (net/ipv4/tcp.c, tcp_get_info), and the
// pending error once the kernel has dropped the connection. Linux's
// state numbers (include/net/tcp_states.h) are TCPState's. Check (full
// false) reads two settings more only when a keep-alive probe's age
// depends on them; Inspect reads them all back, for GivesUpIn.
// docs/behaviour.md cites the kernel code behind each reading.
func inspectFD(fd uintptr, generic, full bool, h *Health) error {
	if generic {
		if err := checkTCP(fd); err != nil {
			return err
		}
	}
	info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	if err != nil {
		if !isRefusal(err) && !isMPTCP(fd) {
			return os.NewSyscallError("getsockopt TCP_INFO", err)
		}
		// A Multipath TCP socket answers TCP_INFO for its first subflow
		// (net/mptcp/sockopt.c, mptcp_getsockopt_sol_tcp, since Linux
		// 5.16), or refuses it when it has none or the kernel is older:
		// say what the pending error says.
		if h.Err = pendingError(fd); h.Err != nil {
			h.State = TCPClosed
		}
		return nil
	}
	readTCPInfo(info, h)
	if h.State == TCPClosed && info.Segs_out == 0 && isMPTCP(fd) {
		// A Multipath TCP socket keeps its first subflow after it died,
		// disconnected (tcp_disconnect zeroes its counters), and reports
		// it still: judge the connection by a subflow that lives.
		liveSubflow(fd, h)
		if h.noSubflow {
			if h.Err = pendingError(fd); h.Err != nil {
				h.State = TCPClosed
			}
			return nil
		}
	}
	if h.State == TCPClosed {
		// No pending error: the FINs were exchanged, or an earlier call
		// took the error. The socket is shut both ways (tcp_done).
		h.Err = pendingError(fd)
		h.GivesUpIn = 0
		return nil
	}
	if full {
		if h.KeepAlive, err = getFD(fd); err != nil {
			return err
		}
		h.GivesUpIn = givesUpIn(h)
		return nil
	}
	if h.Probes == 1 && h.Retransmissions == 0 && !h.zeroWindow {
		// Whether the first probe is unanswered depends on when it left:
		// Idle, or Interval if longer, after the last packet received.
		// The smallest either can be may already prove it in flight,
		// else Idle alone may; only if neither can is Interval read.
		t, c := platform(), &h.KeepAlive.Config
		c.Idle, c.Interval = t.idle.duration(t.idle.min), t.interval.duration(t.interval.min)
		if h.unansweredProbes() == 0 {
			*c = Config{}
			return nil
		}
		v, err := getsockoptInt(fd, t.idle)
		if err != nil {
			return os.NewSyscallError("getsockopt "+t.idle.name, err)
		}
		c.Idle, c.Interval = t.idle.duration(int64(v)), 1
		if h.unansweredProbes() == 0 {
			c.Interval = 0
			return nil
		}
		if v, err = getsockoptInt(fd, t.interval); err != nil {
			return os.NewSyscallError("getsockopt "+t.interval.name, err)
		}
		c.Interval = t.interval.duration(int64(v))
	}
	return nil
}

// readTCPInfo fills h from a TCP_INFO reading.
func readTCPInfo(info *unix.TCPInfo, h *Health) {
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
	// Keep-alive probes leave only when nothing waits to be sent
	// (tcp_keepalive_timer); with data waiting and nothing in flight,
	// the probes are the zero-window timer's (tcp_probe_timer).
	h.zeroWindow = info.Notsent_bytes > 0 && info.Unacked == 0
	h.backoff = int(info.Backoff)
}

// mptcpTCPInfo is MPTCP_TCPINFO (linux/mptcp.h, since Linux 5.16), which
// x/sys does not define: a struct mptcp_subflow_data, then a tcp_info
// for each subflow.
const mptcpTCPInfo = 2

// liveSubflow replaces h's readings with those of the Multipath TCP
// connection's first established subflow (net/mptcp/sockopt.c,
// mptcp_getsockopt_tcpinfo). With none, h says so (noSubflow): the
// kernel keeps the connection for net.mptcp.close_timeout, waiting for
// one. The first four subflows are looked at. A kernel without
// MPTCP_TCPINFO leaves h as it was.
func liveSubflow(fd uintptr, h *Health) {
	const header = 16
	var buf struct {
		hdr   [4]uint32 // size_subflow_data, num_subflows, size_kernel, size_user
		infos [4]unix.TCPInfo
	}
	buf.hdr[0], buf.hdr[3] = header, uint32(unsafe.Sizeof(buf.infos[0]))
	size := uint32(unsafe.Sizeof(buf))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_MPTCP, mptcpTCPInfo,
		uintptr(unsafe.Pointer(&buf)), uintptr(unsafe.Pointer(&size)), 0)
	if e != 0 {
		return // before Linux 5.16: nothing to judge by but the first subflow
	}
	stride := uintptr(buf.hdr[3]) // what the kernel copied of each
	if size < header || stride == 0 || stride > unsafe.Sizeof(buf.infos[0]) {
		return
	}
	n := min(int(buf.hdr[1]), len(buf.infos), int(uintptr(size-header)/stride))
	for i := range n {
		var info unix.TCPInfo
		src := unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(&buf.infos[0]), uintptr(i)*stride)), stride)
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&info)), unsafe.Sizeof(info)), src)
		if TCPState(info.State) == TCPEstablished {
			readTCPInfo(&info, h)
			return
		}
	}
	h.State, h.noSubflow = TCPUnknown, true
}

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
//     after the first retransmission (retrans_stamp), at least the k-1
//     retransmission timeouts since ago (RTO doubles at each:
//     RTO·(1-2^(1-k))); before the first, one RTO is still to come;
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
	fired := -rto // since the first retransmission, still to come
	if k := h.Retransmissions; k > 0 {
		fired = rto - rto>>min(k-1, 62)
	}
	if ut := h.KeepAlive.Config.UserTimeout; ut > 0 {
		return max(ut-fired, 0)
	}
	retries, rtoMax, err := cachedRetransmitLimits()
	if err != nil {
		return -1
	}
	return max(retransmitTimeout(retries, 200*time.Millisecond, rtoMax)-fired+rtoMax, 0)
}

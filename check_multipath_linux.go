package keepalive

import (
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"weak"

	"golang.org/x/sys/unix"
)

// multipathClose completes h for a Multipath TCP connection.
//
// TCP_INFO reads a subflow, which stays established when the peer closes
// the connection: its DATA_FIN ends the data stream, not the subflows,
// which close once this side closes too. The connection's own socket
// knows: the DATA_FIN sets its RCV_SHUTDOWN and moves it to CLOSE_WAIT
// (net/mptcp/protocol.c, mptcp_check_data_fin), which poll reports as
// POLLRDHUP (mptcp_poll) whether or not data waits unread. A plain TCP
// socket's FIN is in its TCP_INFO state already: nothing more is read.
//
// A first subflow reads CLOSED as it dies, a moment before
// tcp_disconnect zeroes the counters by which inspectFD tells it from a
// closed connection: on a connection known to be Multipath TCP, a closed
// first subflow with no pending error is looked past at once. With no
// subflow established, the connection's socket tells a connection closed
// in order (POLLHUP and POLLRDHUP), or dropped when no subflow came back
// in net.mptcp.close_timeout (POLLHUP alone), from one still waiting.
func multipathClose(fd uintptr, tcp *net.TCPConn, generic bool, h *Health) error {
	switch {
	case h.State == TCPClosed && h.Err == nil && !h.noSubflow && tcp != nil && knownMultipath(tcp):
		liveSubflow(fd, h)
		if !h.noSubflow {
			h.GivesUpIn = -1
		}
	case h.noSubflow && h.Err == nil:
	case h.State != TCPEstablished:
		return nil
	case tcp != nil:
		if !multipathConn(tcp, fd) {
			return nil
		}
	case !generic || !isMPTCP(fd):
		return nil
	}
	fds := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLRDHUP}}
	for {
		_, err := unix.Poll(fds[:], 0)
		if err == nil {
			break
		}
		if err != unix.EINTR {
			return os.NewSyscallError("poll", err)
		}
	}
	switch ev := fds[0].Revents; {
	case ev&unix.POLLRDHUP != 0 && ev&unix.POLLHUP != 0 && h.noSubflow:
		h.State, h.noSubflow, h.GivesUpIn = TCPClosed, false, 0 // closed in order
	case ev&unix.POLLRDHUP != 0:
		h.State, h.noSubflow = TCPCloseWait, false
	case ev&unix.POLLHUP != 0:
		// Closed with no DATA_FIN from the peer and no error: the kernel
		// gave up waiting for a subflow (net.mptcp.close_timeout), and a
		// Read now fails with ENOTCONN.
		h.State, h.noSubflow, h.GivesUpIn = TCPClosed, false, 0
		h.Err = syscall.ENOTCONN
	}
	return nil
}

// multipathConns remembers, for each *net.TCPConn Check has seen, whether
// its socket is Multipath TCP (SO_PROTOCOL, which never changes), so
// that a plain TCP connection pays that read once, not on every Check.
// An entry goes when its TCPConn is garbage.
var multipathConns struct {
	sync.RWMutex
	known map[weak.Pointer[net.TCPConn]]bool
}

// knownMultipath reports whether an earlier Check found c Multipath TCP,
// without reading anything.
func knownMultipath(c *net.TCPConn) bool {
	k := weak.Make(c)
	multipathConns.RLock()
	defer multipathConns.RUnlock()
	return multipathConns.known[k]
}

// multipathConn reports whether c, whose socket is fd, is Multipath TCP,
// reading it the first time and remembering it.
func multipathConn(c *net.TCPConn, fd uintptr) bool {
	k := weak.Make(c)
	multipathConns.RLock()
	mp, ok := multipathConns.known[k]
	multipathConns.RUnlock()
	if ok {
		return mp
	}
	p, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL)
	if err != nil {
		return false // not remembered: read again next time
	}
	mp = p == unix.IPPROTO_MPTCP
	multipathConns.Lock()
	if multipathConns.known == nil {
		multipathConns.known = make(map[weak.Pointer[net.TCPConn]]bool)
	}
	_, seen := multipathConns.known[k]
	multipathConns.known[k] = mp
	multipathConns.Unlock()
	if !seen {
		runtime.AddCleanup(c, func(k weak.Pointer[net.TCPConn]) {
			multipathConns.Lock()
			delete(multipathConns.known, k)
			multipathConns.Unlock()
		}, k)
	}
	return mp
}

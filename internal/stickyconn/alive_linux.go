package stickyconn

import (
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// tcpEstablished is TCP_ESTABLISHED (include/net/tcp_states.h).
const tcpEstablished = 1

// established reports whether c's socket is still an established TCP
// connection after a Read failed. It is, after an ICMP error that a
// socket with IP_RECVERR hands to Read without dropping the connection
// (tcp_v4_err, tcp_v6_err); it is not after the kernel dropped it
// (ETIMEDOUT, a reset), which leaves TCP_CLOSE. False when it cannot
// tell.
func established(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	var state uint8
	rc.Control(func(fd uintptr) {
		if info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			state = info.State
		}
	})
	return state == tcpEstablished
}

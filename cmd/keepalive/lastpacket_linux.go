package main

import (
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// sinceLastPacket returns how long ago conn's socket last received a
// packet: data, an ACK, or the answer to a keep-alive probe. The kernel
// counts the keep-alive bound from it (net/ipv4/tcp_timer.c,
// keepalive_time_elapsed: the later of icsk_ack.lrcvtime and
// rcv_tstamp), which TCP_INFO gives as tcpi_last_data_recv and
// tcpi_last_ack_recv. It reads a closed-by-the-kernel socket too, as long
// as conn is open.
func sinceLastPacket(conn net.Conn) (time.Duration, bool) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return 0, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var info *unix.TCPInfo
	cerr := rc.Control(func(fd uintptr) {
		info, err = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	})
	if cerr != nil || err != nil {
		return 0, false
	}
	return time.Duration(min(info.Last_data_recv, info.Last_ack_recv)) * time.Millisecond, true
}

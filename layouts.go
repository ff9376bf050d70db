package keepalive

// The kernel structures the library reads or writes whole, where
// golang.org/x/sys lacks them. Untagged, so that the tests pin their
// layout on every system: Go's layout depends on GOARCH alone.
// (layouts_windows.go has Windows' TCP_INFO_v0, which only Windows' code
// uses.)

// A tcpKeepalive is Windows' struct tcp_keepalive (mstcpip.h), the input
// of SIO_KEEPALIVE_VALS: three ULONGs, the times in milliseconds.
type tcpKeepalive struct {
	OnOff    uint32
	Time     uint32
	Interval uint32
}

// A freebsdTCPInfo is FreeBSD's struct tcp_info (sys/netinet/tcp.h),
// which TCP_INFO fills (tcp_fill_info in sys/netinet/tcp_usrreq.c) and
// check_freebsd.go reads; x/sys/unix lacks it. The header's __tcpi_*
// fields, which FreeBSD leaves zero, are blank here. Times are in
// microseconds. The layout is the current header's (tcpi_dupacks and
// tcpi_total_tlp_bytes, then __tcpi_pad[10]); older releases have the
// same fields up to tcpi_snd_zerowin, then padding (freebsd-src commit
// 697e343f: __tcpi_pad[26]), and the kernel copies only what fits the
// caller's buffer (sooptcopyout), so the fields read are where they are
// on every release. Untagged, so that TestFreeBSDTCPInfo pins it on
// every system: Go's layout depends on GOARCH alone.
type freebsdTCPInfo struct {
	State         uint8 // TCPS_* of sys/netinet/tcp_fsm.h
	_             [4]uint8
	Options       uint8
	Wscale        uint8 // tcpi_snd_wscale:4, tcpi_rcv_wscale:4
	_             uint8
	Rto           uint32 // µs
	_             uint32
	SndMss        uint32
	RcvMss        uint32
	_             [5]uint32
	_             [2]uint32
	LastDataRecv  uint32 // µs since the last segment arrived
	_             [3]uint32
	Rtt           uint32 // µs, smoothed
	Rttvar        uint32 // µs
	SndSsthresh   uint32
	SndCwnd       uint32
	_             [3]uint32
	RcvSpace      uint32
	SndWnd        uint32
	SndBwnd       uint32
	SndNxt        uint32
	RcvNxt        uint32
	ToeTid        uint32
	SndRexmitpack uint32 // a total since the connection began
	RcvOoopack    uint32
	SndZerowin    uint32
	DeliveredCE   uint32
	ReceivedCE    uint32
	_             [6]uint32
	TotalTLP      uint32
	TotalTLPBytes uint64
	SndUna        uint32
	SndMax        uint32
	RcvNumsacks   uint32
	RcvAdv        uint32
	Dupacks       uint32
	_             [10]uint32
}

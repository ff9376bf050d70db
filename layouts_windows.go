package keepalive

import "unsafe"

// Windows' kernel structures that only its code reads (layouts.go has
// the others).

// tcpInfoV0 is TCP_INFO_v0 (mstcpip.h, NTDDI_WIN10_RS2): the same layout
// on 386, amd64 and arm64, the 64-bit fields falling on 8-byte offsets.
type tcpInfoV0 struct {
	State             uint32 // TCPSTATE
	Mss               uint32
	ConnectionTimeMs  uint64
	TimestampsEnabled uint8
	RttUs             uint32
	MinRttUs          uint32
	BytesInFlight     uint32
	Cwnd              uint32
	SndWnd            uint32
	RcvWnd            uint32
	RcvBuf            uint32
	BytesOut          uint64
	BytesIn           uint64
	BytesReordered    uint32
	BytesRetrans      uint32
	FastRetrans       uint32
	DupAcksIn         uint32
	TimeoutEpisodes   uint32
	SynRetrans        uint8
}

// tcpInfoV0Known is how much of TCP_INFO_v0 inspectFD needs: up to
// RttUs.
const tcpInfoV0Known = uint32(unsafe.Offsetof(tcpInfoV0{}.MinRttUs))

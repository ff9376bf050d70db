package keepalive

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/windows"
)

// inspectFD reads SIO_TCP_INFO (Windows 10 1703 and later: the state and
// the round-trip time) and the socket's pending error (SO_ERROR, cleared
// as it is read: a reset or a timed-out connection). Windows counts
// retransmissions only in total (TimeoutEpisodes, BytesRetrans), never
// per unacknowledged segment, and keep-alive probes not at all, so
// Probes, Retransmissions and Unacked stay unknown and Check never
// reports ErrUnanswered here. Where the ioctl is missing (older Windows;
// Wine) only the pending error is read.
func inspectFD(fd uintptr, generic, full bool, h *Health) error {
	if generic {
		if err := checkTCP(fd); err != nil {
			return err
		}
	}
	var info tcpInfoV0
	var version uint32 // TCP_INFO_v0
	var n uint32
	if windows.WSAIoctl(windows.Handle(fd), sioTCPInfo, (*byte)(unsafe.Pointer(&version)), 4,
		(*byte)(unsafe.Pointer(&info)), uint32(unsafe.Sizeof(info)), &n, nil, 0) == nil && n >= tcpInfoV0Known {
		if info.State < uint32(len(windowsStates)) {
			h.State = windowsStates[info.State]
		}
		h.RTT = time.Duration(info.RttUs) * time.Microsecond
	}
	var v, size int32 = 0, 4
	if err := windows.Getsockopt(windows.Handle(fd), windows.SOL_SOCKET, soErrorNum, (*byte)(unsafe.Pointer(&v)), &size); err != nil {
		return os.NewSyscallError("getsockopt SO_ERROR", err)
	}
	switch {
	case v != 0:
		h.State, h.Err = TCPClosed, syscall.Errno(v)
	case h.State == TCPClosed:
		// An earlier call took the error.
		h.Err = errDroppedEarlier
	}
	if full && platform().readBack {
		var err error
		if h.KeepAlive, err = getFD(fd); err != nil {
			return err
		}
	}
	return nil
}

// soErrorNum is SO_ERROR (winsock2.h), which x/sys/windows lacks.
const soErrorNum = 0x1007

// sioTCPInfo is SIO_TCP_INFO, _WSAIORW(IOC_VENDOR, 39) (mstcpip.h),
// which x/sys/windows lacks.
const sioTCPInfo = 0xD8000027

// windowsStates maps TCPSTATE (mstcpip.h: TCPSTATE_CLOSED = 0 …
// TCPSTATE_TIME_WAIT = 10).
var windowsStates = [...]TCPState{
	TCPClosed, TCPListen, TCPSynSent, TCPSynReceived, TCPEstablished, TCPFinWait1,
	TCPFinWait2, TCPCloseWait, TCPClosing, TCPLastAck, TCPTimeWait,
}

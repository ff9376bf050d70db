package keepalive

import (
	"errors"
	"os"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// platform detects once what the running Windows accepts, as Go's net
// does (internal/syscall/windows.SupportTCPKeepAliveIdle): it tries the
// options on a fresh socket, and falls back to the version (TCP_KEEPIDLE
// and TCP_KEEPINTVL since build 16299, 1709; TCP_KEEPCNT since 15063,
// 1703; TCP_MAXRT since Vista) where no socket can be made. Wine 8.0
// refuses all four options with WSAENOPROTOOPT.
var platform = sync.OnceValue(func() *sockopts { return detectWindows().native(windowsNumbers) })

var windowsNumbers = optionNumbers{
	solSocket: windows.SOL_SOCKET, soKeepAlive: windows.SO_KEEPALIVE, ipprotoTCP: windows.IPPROTO_TCP,
	idle: windows.TCP_KEEPIDLE, interval: windows.TCP_KEEPINTVL, count: windows.TCP_KEEPCNT, userTimeout: windows.TCP_MAXRT,
}

func detectWindows() *sockopts {
	s, err := windows.Socket(windows.AF_INET, windows.SOCK_STREAM, windows.IPPROTO_TCP)
	if err != nil {
		major, _, build := windows.RtlGetNtVersionNumbers()
		build &= 0xffff
		return windowsFor(major >= 10 && build >= 16299, major >= 10 && build >= 15063, true)
	}
	defer windows.Closesocket(s)
	has := func(opt int) bool {
		return !errors.Is(windows.SetsockoptInt(s, windows.IPPROTO_TCP, opt, 1), windows.WSAENOPROTOOPT)
	}
	return windowsFor(has(windows.TCP_KEEPIDLE) && has(windows.TCP_KEEPINTVL), has(windows.TCP_KEEPCNT), has(windows.TCP_MAXRT))
}

// soTypeOpt is SO_TYPE (winsock2.h: 0x1008), which golang.org/x/sys/windows
// lacks; it and sockStream are what checkTCP compares.
var soTypeOpt = sockopt{name: "SO_TYPE", level: windows.SOL_SOCKET, num: 0x1008}

const sockStream = windows.SOCK_STREAM

// isTCPProtocol reports whether a stream socket is TCP: here, whether
// its address is of an Internet family.
func isTCPProtocol(fd uintptr) (bool, error) {
	sa, err := windows.Getsockname(windows.Handle(fd))
	switch sa.(type) {
	case *windows.SockaddrInet4, *windows.SockaddrInet6:
		return true, nil
	}
	return false, os.NewSyscallError("getsockname", err)
}

func setsockoptInt(fd uintptr, o sockopt, v int) error {
	return windows.SetsockoptInt(windows.Handle(fd), o.level, o.num, v)
}

func getsockoptInt(fd uintptr, o sockopt) (int, error) {
	return windows.GetsockoptInt(windows.Handle(fd), o.level, o.num)
}

// setKeepaliveVals sets keep-alive on, with idle and interval, where
// Windows has no TCP_KEEPIDLE and TCP_KEEPINTVL.
func setKeepaliveVals(fd uintptr, v tcpKeepalive) error {
	var ret uint32
	err := windows.WSAIoctl(windows.Handle(fd), windows.SIO_KEEPALIVE_VALS, (*byte)(unsafe.Pointer(&v)), uint32(unsafe.Sizeof(v)), nil, 0, &ret, nil, 0)
	if err != nil {
		return os.NewSyscallError("wsaioctl SIO_KEEPALIVE_VALS", err)
	}
	return nil
}

func isRefusal(err error) bool { return err == windows.WSAENOPROTOOPT }

// isNotSocket reports the error with which a handle that is not a socket
// answers getsockopt.
func isNotSocket(err error) bool { return err == windows.WSAENOTSOCK }

// refuser names what refused an option: the running Windows, which
// lacks it.
func refuser(uintptr) string { return "windows" }

package keepalive

import (
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/windows"
)

// inspectFD reports only what the socket's pending error says (SO_ERROR,
// cleared as it is read): a reset or a timed-out connection.
func inspectFD(fd uintptr, generic, full bool, h *Health) error {
	if generic {
		if err := checkTCP(fd); err != nil {
			return err
		}
	}
	var v, n int32 = 0, 4
	if err := windows.Getsockopt(windows.Handle(fd), windows.SOL_SOCKET, soErrorNum, (*byte)(unsafe.Pointer(&v)), &n); err != nil {
		return os.NewSyscallError("getsockopt SO_ERROR", err)
	}
	if v != 0 {
		h.State, h.Err = TCPClosed, syscall.Errno(v)
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

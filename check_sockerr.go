//go:build unix && !linux && !darwin && !freebsd

package keepalive

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// inspectFD reports only what the socket's pending error says: a
// connection the kernel dropped (reset, timed out) has one, which the
// kernel hands over and clears (SO_ERROR). The TCP state, probes and
// retransmissions stay unknown here, and a live or half-closed
// connection gets nil from Check.
func inspectFD(fd uintptr, generic, full bool, h *Health) error {
	if generic {
		if err := checkTCP(fd); err != nil {
			return err
		}
	}
	v, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return os.NewSyscallError("getsockopt SO_ERROR", err)
	}
	if v != 0 {
		h.State, h.Err = TCPClosed, syscall.Errno(v)
	}
	if full && platform().readBack {
		if h.KeepAlive, err = getFD(fd); err != nil {
			return err
		}
	}
	return nil
}

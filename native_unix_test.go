//go:build darwin || freebsd || netbsd || dragonfly || illumos

package keepalive_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// readNative reads the options named in native_GOOS_test.go with
// getsockopt.
func readNative(t *testing.T, c syscall.Conn) native {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var n native
	var errs []error
	get := func(fd uintptr, level, opt int) int {
		v, err := unix.GetsockoptInt(int(fd), level, opt)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	require.NoError(t, rc.Control(func(fd uintptr) {
		n.KeepAlive = get(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0
		n.Idle = time.Duration(get(fd, unix.IPPROTO_TCP, optIdle)) * idleUnit
		n.Interval = time.Duration(get(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL)) * idleUnit
		n.Count = get(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT)
		if hasUserTimeout {
			n.UserTimeout = time.Duration(get(fd, unix.IPPROTO_TCP, optUserTimeout)) * userTimeoutUnit
		}
	}))
	require.Empty(t, errs)
	return n
}

package keepalive_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"
)

// Windows 10 1709+: TCP_KEEPIDLE, TCP_KEEPINTVL and TCP_MAXRT in seconds.
const (
	hasUserTimeout      = true
	inheritsUserTimeout = false
)

// readNative reads keep-alive with getsockopt (winsock).
func readNative(t *testing.T, c syscall.Conn) native {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var n native
	var errs []error
	get := func(fd uintptr, level, opt int) int {
		v, err := windows.GetsockoptInt(windows.Handle(fd), level, opt)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	require.NoError(t, rc.Control(func(fd uintptr) {
		n.KeepAlive = get(fd, windows.SOL_SOCKET, windows.SO_KEEPALIVE) != 0
		n.Idle = time.Duration(get(fd, windows.IPPROTO_TCP, windows.TCP_KEEPIDLE)) * time.Second
		n.Interval = time.Duration(get(fd, windows.IPPROTO_TCP, windows.TCP_KEEPINTVL)) * time.Second
		n.Count = get(fd, windows.IPPROTO_TCP, windows.TCP_KEEPCNT)
		n.UserTimeout = time.Duration(get(fd, windows.IPPROTO_TCP, windows.TCP_MAXRT)) * time.Second
	}))
	require.Empty(t, errs)
	return n
}

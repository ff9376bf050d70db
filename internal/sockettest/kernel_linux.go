package sockettest

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Kernel is what the kernel holds for a socket, read with getsockopt by
// the test itself, never through the library.
type Kernel struct {
	Protocol    int // SO_PROTOCOL: 6 TCP, 262 Multipath TCP
	KeepAlive   bool
	Idle        time.Duration
	Interval    time.Duration
	Count       int
	UserTimeout time.Duration // -1: the socket has no such option
}

// Ours is Config as the kernel holds it.
var Ours = Kernel{Protocol: unix.IPPROTO_TCP, KeepAlive: true, Idle: 37 * time.Second, Interval: 7 * time.Second, Count: 4, UserTimeout: 12345 * time.Millisecond}

// ReadKernel reads, with getsockopt, what the kernel holds for c.
func ReadKernel(t *testing.T, c syscall.Conn) Kernel {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var k Kernel
	var errs []error
	var sock int
	get := func(level, opt int) int {
		v, err := unix.GetsockoptInt(sock, level, opt)
		if err != nil {
			errs = append(errs, os.NewSyscallError("getsockopt", err))
		}
		return v
	}
	require.NoError(t, rc.Control(func(fd uintptr) {
		sock = int(fd)
		k.Protocol = get(unix.SOL_SOCKET, unix.SO_PROTOCOL)
		k.KeepAlive = get(unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0
		k.Idle = time.Duration(get(unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)) * time.Second
		k.Interval = time.Duration(get(unix.IPPROTO_TCP, unix.TCP_KEEPINTVL)) * time.Second
		k.Count = get(unix.IPPROTO_TCP, unix.TCP_KEEPCNT)
		ut, err := unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT)
		if err != nil {
			ut = -1
		}
		k.UserTimeout = time.Duration(ut) * time.Millisecond
		if ut < 0 {
			k.UserTimeout = -1
		}
	}))
	require.Empty(t, errs)
	return k
}

// TCPInfo reads TCP_INFO for c.
func TCPInfo(t *testing.T, c syscall.Conn) *unix.TCPInfo {
	t.Helper()
	var info *unix.TCPInfo
	control(t, c, func(fd int) (err error) {
		info, err = unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		return err
	})
	return info
}

// Queued is how many received bytes wait unread on c (FIONREAD).
func Queued(t *testing.T, c syscall.Conn) int {
	t.Helper()
	var n int
	control(t, c, func(fd int) (err error) {
		n, err = unix.IoctlGetInt(fd, unix.SIOCINQ)
		return err
	})
	return n
}

// SOError reads and clears c's pending error (SO_ERROR).
func SOError(t *testing.T, c syscall.Conn) int {
	t.Helper()
	var v int
	control(t, c, func(fd int) (err error) {
		v, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
		return err
	})
	return v
}

// control runs f on c's descriptor, failing the test on an error of
// either.
func control(t *testing.T, c syscall.Conn, f func(fd int) error) {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var ferr error
	require.NoError(t, rc.Control(func(fd uintptr) { ferr = f(int(fd)) }))
	require.NoError(t, ferr)
}

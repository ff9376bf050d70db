package keepalive

// Linux's options below Validate: the kernel's errors, the sysctls, and
// the figures reported when /proc cannot be read.

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive/internal/sockettest/fdlimit"
)

// socket returns a new socket of the given type, closed at the end of
// the test.
func socket(t *testing.T, typ, proto int) int {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, typ|unix.SOCK_CLOEXEC, proto)
	require.NoError(t, err)
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// TestKernelErrorsNameTheOption goes below Validate, to the kernel.
func TestKernelErrorsNameTheOption(t *testing.T) {
	fd := socket(t, unix.SOCK_STREAM, unix.IPPROTO_TCP)
	err := setFD(uintptr(fd), Config{Idle: 10 * time.Second, Count: 200}, 0)
	var se *os.SyscallError
	require.ErrorAs(t, err, &se)
	assert.EqualError(t, err, "setsockopt TCP_KEEPCNT: invalid argument")
	assert.ErrorIs(t, err, unix.EINVAL)

	// A UDP socket has no TCP options, and is not Multipath TCP: a plain
	// error, not a partial success.
	udp := socket(t, unix.SOCK_DGRAM, unix.IPPROTO_UDP)
	err = setFD(uintptr(udp), Config{UserTimeout: time.Second}, 0)
	assert.EqualError(t, err, "setsockopt TCP_USER_TIMEOUT: protocol not available")
	assert.False(t, errors.Is(err, errors.ErrUnsupported))
	assert.ErrorIs(t, checkTCP(uintptr(udp)), errNotTCP)
	assert.NoError(t, checkTCP(uintptr(fd)))
}

func TestSystemSysctls(t *testing.T) {
	c, err := systemDefaults()
	require.NoError(t, err)
	assert.Positive(t, c.Idle)
	assert.Positive(t, c.Interval)
	assert.Positive(t, c.Count)
}

// TestFallbackFiguresReported: when /proc cannot be read (fd
// exhaustion), the weaker-bound report of a Multipath TCP connection
// says which figures are the built-in fallbacks (close_timeout 60s,
// Linux's keep-alive defaults), instead of stating them as read (issue
// 18, Also). Read on a real Multipath TCP connection.
func TestFallbackFiguresReported(t *testing.T) {
	lc := &net.ListenConfig{KeepAlive: -1}
	lc.SetMultipathTCP(true)
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	d := &net.Dialer{KeepAlive: -1}
	d.SetMultipathTCP(true)
	dialed, err := d.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer dialed.Close()
	conn, err := ln.Accept()
	require.NoError(t, err)
	defer conn.Close()
	if mp, _ := conn.(*net.TCPConn).MultipathTCP(); !mp {
		t.Skip("skipping: no Multipath TCP connection here (net.mptcp.enabled=0 or no MPTCP)")
	}
	c := Config{Idle: System}
	require.NoError(t, Set(conn, c), "as a Listener sets it")

	read := weaker(conn, c, nil).Error()
	assert.NotContains(t, read, "not read from the system", "every figure was read")

	restore := fdlimit.Exhaust(t)
	report := weaker(conn, c, nil).Error()
	_, cerr := readCloseTimeout()
	serr := c.systemFallback()
	restore()

	assert.ErrorIs(t, cerr, syscall.EMFILE)
	assert.ErrorIs(t, serr, syscall.EMFILE)
	assert.Contains(t, report, "not read from the system: net.mptcp.close_timeout taken as 1m0s, the kernel's default")
	assert.Contains(t, report, "the system's keep-alive defaults taken as Linux's (idle=2h0m0s,interval=1m15s,count=9)")
	t.Log(report)
}

package keepalive_test

import (
	"bufio"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/windows"

	"github.com/tcpkeepalive/keepalive"
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

// TestNativeHold is the Windows half of TestWineKeepaliveVals
// (internal/integration/wine_linux_test.go), which runs this test binary
// under Wine and reads the values this connection's socket holds from
// the Linux side, where Wine keeps it: what SIO_KEEPALIVE_VALS (the path
// before Windows 10 1709, which Wine takes) really sets. It dials
// KEEPALIVE_HOLD_ADDR with WithKeepalive (Go's own ioctl), answers
// "dialed", waits for a line, applies Set (the library's ioctl), answers
// "set", and holds the connection until the next line.
func TestNativeHold(t *testing.T) {
	addr := os.Getenv("KEEPALIVE_HOLD_ADDR")
	if addr == "" {
		t.Skip("KEEPALIVE_HOLD_ADDR unset: TestWineKeepaliveVals on Linux runs this under Wine and reads the socket from the Linux side")
	}
	d := keepalive.NewDialer(keepalive.WithKeepalive(keepalive.Config{Idle: 37 * time.Second, Interval: 11 * time.Second}))
	d.Timeout = 30 * time.Second
	conn, err := d.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	r := bufio.NewReader(conn)
	step := func(say string) {
		t.Helper()
		_, err := io.WriteString(conn, say+"\n")
		require.NoError(t, err)
		_, err = r.ReadString('\n')
		require.NoError(t, err)
	}
	step("dialed")
	// Idle left to the system: SIO_KEEPALIVE_VALS sets both, so the
	// library writes Windows' default idle time, 2 hours.
	require.NoError(t, keepalive.Set(conn, keepalive.Config{Idle: keepalive.System, Interval: 3 * time.Second}))
	step("set")
}

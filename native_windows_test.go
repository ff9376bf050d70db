package keepalive_test

import (
	"bufio"
	"io"
	"os"
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

// getsockoptInt reads one option of the socket fd (winsock).
func getsockoptInt(fd uintptr, level, opt int) (int, error) {
	return windows.GetsockoptInt(windows.Handle(fd), level, opt)
}

// nativeFields reads keep-alive's options.
func nativeFields(get func(level, opt int) int) native {
	return native{
		KeepAlive:   get(windows.SOL_SOCKET, windows.SO_KEEPALIVE) != 0,
		Idle:        time.Duration(get(windows.IPPROTO_TCP, windows.TCP_KEEPIDLE)) * time.Second,
		Interval:    time.Duration(get(windows.IPPROTO_TCP, windows.TCP_KEEPINTVL)) * time.Second,
		Count:       get(windows.IPPROTO_TCP, windows.TCP_KEEPCNT),
		UserTimeout: time.Duration(get(windows.IPPROTO_TCP, windows.TCP_MAXRT)) * time.Second,
	}
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

package keepalive

// Listen's choice per system, run with Linux's sockets.

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestListenFor: where accepted sockets do not inherit every option
// (darwin's idle time and user timeout, illumos, Windows), Listen hands
// out a Listener that sets the whole Config on each accepted connection,
// with Go's per-accept keep-alive off; where they do, the listener is
// Go's own. Run here with those systems' choice and Linux's sockets.
func TestListenFor(t *testing.T) {
	c := Config{Idle: 37 * time.Second, Interval: 7 * time.Second, Count: 4, UserTimeout: 12345 * time.Millisecond}
	for _, tt := range []struct {
		name    string
		table   *sockopts
		wrapped bool
	}{
		{"linux", platform(), false},
		{"darwin", darwinOptions, true},
		{"illumos", illumosOptions, false}, // inherits every option (tcp_init_values)
		{"windows", windowsOptions, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := listenFor(tt.table, context.Background(), "tcp", "127.0.0.1:0", c)
			require.NoError(t, err)
			defer ln.Close()
			_, wrapped := ln.(*Listener)
			require.Equal(t, tt.wrapped, wrapped)
			done := make(chan net.Conn, 1)
			go func() {
				a, err := ln.Accept()
				assert.NoError(t, err)
				done <- a
			}()
			d, err := net.Dial("tcp", ln.Addr().String())
			require.NoError(t, err)
			defer d.Close()
			a := <-done
			require.NotNil(t, a)
			defer a.Close()
			rc, err := a.(*net.TCPConn).SyscallConn()
			require.NoError(t, err)
			var idle, ut, proto int
			require.NoError(t, rc.Control(func(fd uintptr) {
				idle, _ = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
				ut, _ = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT)
				proto, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL)
			}))
			assert.Equal(t, 37, idle)
			assert.Equal(t, 12345, ut)
			assert.Equal(t, unix.IPPROTO_TCP, proto)
		})
	}
}

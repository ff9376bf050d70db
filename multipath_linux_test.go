package keepalive_test

// Multipath TCP: what its sockets take, and what the library does with
// them on each way in, read back from the kernel.

import (
	"bytes"
	"context"
	"errors"
	"log"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
)

// skipWithoutMultipath skips where Go's default listener is not
// Multipath TCP (net.mptcp.enabled=0, or a kernel without it).
func skipWithoutMultipath(t *testing.T) {
	t.Helper()
	if readKernel(t, listen(t, nil).(*net.TCPListener)).Protocol != unix.IPPROTO_MPTCP {
		t.Skip("skipping: this kernel gives no Multipath TCP listener (net.mptcp.enabled=0 or no MPTCP)")
	}
}

// oursMultipath is how the kernel holds cfg on a Multipath TCP socket,
// which takes the keep-alive options but has no TCP_USER_TIMEOUT.
var oursMultipath = func() kernel {
	k := ours
	k.Protocol, k.UserTimeout = unix.IPPROTO_MPTCP, -1
	return k
}()

func mptcpDialer() *net.Dialer {
	d := &net.Dialer{KeepAlive: -1}
	d.SetMultipathTCP(true)
	return d
}

// TestMultipathKernel pins why State.Timeout adds close_timeout: a
// Multipath TCP socket takes the keep-alive options but refuses
// TCP_USER_TIMEOUT, and has no option that shortens
// net.mptcp.close_timeout for one socket (SOL_MPTCP has getters only).
// A kernel that adds one fails this test, and the library should use it.
func TestMultipathKernel(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, unix.IPPROTO_MPTCP)
	if err != nil {
		t.Skipf("skipping: no Multipath TCP socket: %v", err)
	}
	defer unix.Close(fd)
	for _, opt := range []int{unix.TCP_KEEPIDLE, unix.TCP_KEEPINTVL, unix.TCP_KEEPCNT} {
		assert.NoError(t, unix.SetsockoptInt(fd, unix.IPPROTO_TCP, opt, 10), "option %d", opt)
	}
	assert.NoError(t, unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1))
	assert.ErrorIs(t, unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, 1000), unix.ENOPROTOOPT)
	for opt := 1; opt <= 16; opt++ {
		assert.ErrorIs(t, unix.SetsockoptInt(fd, unix.SOL_MPTCP, opt, 10), unix.ENOPROTOOPT, "SOL_MPTCP option %d", opt)
	}
}

// TestStateTimeout: Get says whether a socket is Multipath TCP, and
// State.Timeout adds net.mptcp.close_timeout to its bound.
func TestStateTimeout(t *testing.T) {
	dialed, _ := pair(t, listen(t, nil), keepalive.NewDialer(keepalive.WithKeepalive(cfg)))
	st, err := keepalive.Get(dialed)
	require.NoError(t, err)
	assert.False(t, st.Multipath)
	assert.Equal(t, cfg.Timeout(), st.Timeout())
	assert.Equal(t, 44*time.Second, st.Timeout())

	off, _ := pair(t, listen(t, nil), &net.Dialer{KeepAlive: -1})
	st, err = keepalive.Get(off)
	require.NoError(t, err)
	require.False(t, st.Enabled)
	assert.Zero(t, st.Timeout(), "keep-alive off: no bound")

	skipWithoutMultipath(t)
	noUT := cfg
	noUT.UserTimeout = 0
	multi, _ := pair(t, listen(t, nil), keepalive.NewDialer(keepalive.WithKeepalive(noUT), func(d *net.Dialer) { d.SetMultipathTCP(true) }))
	require.Equal(t, unix.IPPROTO_MPTCP, readKernel(t, multi).Protocol)
	st, err = keepalive.Get(multi)
	require.NoError(t, err)
	assert.True(t, st.Multipath)
	assert.Equal(t, noUT.Timeout()+time.Duration(sysctl(t, "net.mptcp.close_timeout"))*time.Second, st.Timeout())

	// To a plain TCP listener the Multipath TCP socket falls back: the
	// subflow's error reaches it at once, no close_timeout.
	plainLC := &net.ListenConfig{}
	plainLC.SetMultipathTCP(false)
	fellBack, _ := pair(t, listen(t, plainLC), keepalive.NewDialer(keepalive.WithKeepalive(noUT), func(d *net.Dialer) { d.SetMultipathTCP(true) }))
	require.Equal(t, unix.IPPROTO_MPTCP, readKernel(t, fellBack).Protocol)
	st, err = keepalive.Get(fellBack)
	require.NoError(t, err)
	assert.False(t, st.Multipath)
	assert.Equal(t, noUT.Timeout(), st.Timeout())
}

// TestWrapListenerMultipath: a Multipath TCP connection holds a weaker
// bound even without a user timeout; it is returned and reported, each
// one to OnError, the first one only to the log.
func TestWrapListenerMultipath(t *testing.T) {
	skipWithoutMultipath(t)
	noUT := cfg
	noUT.UserTimeout = 0
	want := ours
	want.UserTimeout = 0

	var reported []error
	ln := &keepalive.Listener{Listener: listen(t, nil), Config: noUT, OnError: func(_ net.Conn, err error) { reported = append(reported, err) }}
	_, plain := pair(t, ln, nil)
	assert.Equal(t, want, readKernel(t, plain))
	assert.Empty(t, reported, "a plain TCP connection holds the bound")
	for range 3 {
		_, multi := pair(t, ln, mptcpDialer())
		assert.Equal(t, oursMultipath, readKernel(t, multi))
	}
	require.Len(t, reported, 3, "OnError hears of every Multipath TCP connection")
	assert.ErrorIs(t, reported[0], errors.ErrUnsupported)
	close := time.Duration(sysctl(t, "net.mptcp.close_timeout")) * time.Second
	assert.ErrorContains(t, reported[0], "Multipath TCP connection: a dead peer is noticed after "+(noUT.Timeout()+close).String()+", not 1m5s")

	var buf bytes.Buffer
	log.SetOutput(&buf)
	defer log.SetOutput(os.Stderr)
	logged := keepalive.WrapListener(listen(t, nil), noUT)
	for range 3 {
		pair(t, logged, mptcpDialer())
	}
	assert.Equal(t, 1, strings.Count(buf.String(), "\n"), "logged once per listener: %s", buf.String())
	assert.Contains(t, buf.String(), "further ones on "+logged.Addr().String()+" not logged")
}

// TestMultipathTCP: Go ≥ 1.24 listens with Multipath TCP by default.
func TestMultipathTCP(t *testing.T) {
	skipWithoutMultipath(t)

	t.Run("Listen and ConfigureListenConfig listen with plain TCP", func(t *testing.T) {
		for _, c := range []keepalive.Config{cfg, {Idle: cfg.Idle, Interval: cfg.Interval, Count: cfg.Count}} {
			want := ours
			want.UserTimeout = c.UserTimeout
			ln, err := keepalive.Listen(context.Background(), "tcp", "127.0.0.1:0", c)
			require.NoError(t, err)
			t.Cleanup(func() { ln.Close() })
			for _, ln := range []net.Listener{ln, listen(t, listenConfig(c))} {
				assert.Equal(t, unix.IPPROTO_TCP, readKernel(t, ln.(*net.TCPListener)).Protocol)
				_, plain := pair(t, ln, nil)
				assert.Equal(t, want, readKernel(t, plain))
				_, multi := pair(t, ln, mptcpDialer())
				assert.Equal(t, want, readKernel(t, multi), "a Multipath TCP client gets plain TCP")
			}
		}
	})
	t.Run("an explicit Multipath TCP request is honoured, before or after ConfigureListenConfig", func(t *testing.T) {
		for _, before := range []bool{true, false} {
			lc := &net.ListenConfig{}
			if before {
				lc.SetMultipathTCP(true)
			}
			keepalive.ConfigureListenConfig(lc, cfg)
			if !before {
				lc.SetMultipathTCP(true)
			}
			ln := listen(t, lc)
			require.Equal(t, unix.IPPROTO_MPTCP, readKernel(t, ln.(*net.TCPListener)).Protocol, "before: %v", before)
			// The listening socket refused TCP_USER_TIMEOUT: no accepted
			// connection has it; both have the keep-alive values.
			want := ours
			want.UserTimeout = 0
			_, plain := pair(t, ln, nil)
			assert.Equal(t, want, readKernel(t, plain))
			_, multi := pair(t, ln, mptcpDialer())
			assert.Equal(t, oursMultipath, readKernel(t, multi))
			st, err := keepalive.Get(multi)
			require.NoError(t, err)
			assert.True(t, st.Multipath)
			assert.Greater(t, st.Timeout(), st.Config.Timeout())
		}
	})
	t.Run("WrapListener: plain TCP client gets everything", func(t *testing.T) {
		inner := listen(t, nil)
		require.Equal(t, unix.IPPROTO_MPTCP, readKernel(t, inner.(*net.TCPListener)).Protocol)
		var reported atomic.Int32
		ln := &keepalive.Listener{Listener: inner, Config: cfg, OnError: func(net.Conn, error) { reported.Add(1) }}
		_, accepted := pair(t, ln, nil)
		assert.Equal(t, ours, readKernel(t, accepted))
		assert.Zero(t, reported.Load())
	})
	t.Run("WrapListener: Multipath TCP client gets keep-alive and a report", func(t *testing.T) {
		var mu sync.Mutex
		var reported []error
		ln := &keepalive.Listener{Listener: listen(t, nil), Config: cfg, OnError: func(_ net.Conn, err error) {
			mu.Lock()
			defer mu.Unlock()
			reported = append(reported, err)
		}}
		_, accepted := pair(t, ln, mptcpDialer())
		assert.Equal(t, oursMultipath, readKernel(t, accepted))
		mu.Lock()
		defer mu.Unlock()
		require.Len(t, reported, 1)
		assert.ErrorIs(t, reported[0], errors.ErrUnsupported)
		assert.ErrorIs(t, reported[0], unix.ENOPROTOOPT)
		assert.Equal(t, "set tcp "+accepted.LocalAddr().String()+"->"+accepted.RemoteAddr().String()+
			": keepalive: Multipath TCP connection: a dead peer is noticed after 2m5s, not 44s: it outlives its dead subflows by net.mptcp.close_timeout (1m0s); "+
			"Multipath TCP socket refused setsockopt TCP_USER_TIMEOUT: protocol not available: unsupported operation", reported[0].Error())
	})
	t.Run("Set on a Multipath TCP conn", func(t *testing.T) {
		dialed, _ := pair(t, listen(t, nil), mptcpDialer())
		err := keepalive.Set(dialed, cfg)
		assert.ErrorIs(t, err, errors.ErrUnsupported)
		assert.Equal(t, oursMultipath, readKernel(t, dialed))
		st, err := keepalive.Get(dialed)
		require.NoError(t, err)
		assert.Equal(t, time.Duration(0), st.Config.UserTimeout)
	})
	t.Run("Multipath TCP dialer with a user timeout stays Multipath TCP", func(t *testing.T) {
		d := mptcpDialer()
		keepalive.WithKeepalive(cfg)(d)
		dialed, _ := pair(t, listen(t, nil), d)
		assert.Equal(t, oursMultipath, readKernel(t, dialed))
		st, err := keepalive.Get(dialed)
		require.NoError(t, err)
		assert.True(t, st.Multipath)
		c := cfg
		c.UserTimeout = 0
		assert.Equal(t, c.Timeout()+time.Duration(sysctl(t, "net.mptcp.close_timeout"))*time.Second, st.Timeout())
	})
	t.Run("Multipath TCP dialer without one stays Multipath TCP", func(t *testing.T) {
		c := cfg
		c.UserTimeout = 0
		d := mptcpDialer()
		keepalive.WithKeepalive(c)(d)
		dialed, _ := pair(t, listen(t, nil), d)
		assert.Equal(t, oursMultipath, readKernel(t, dialed))
	})
}

package keepalive_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
)

// sysctlMPTCP reads one of the namespace's net.mptcp sysctls.
func sysctlMPTCP(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/mptcp/" + name)
	require.NoError(t, err)
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	return n
}

// unixPair returns two connected unix sockets, closed at the end of the
// test.
func unixPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	require.NoError(t, err)
	defer ln.Close()
	c1, err := net.Dial("unix", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c1.Close() })
	c2, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { c2.Close() })
	return c1, c2
}

// skipWithoutMultipath skips where Go's default listener is not
// Multipath TCP (net.mptcp.enabled=0, or a kernel without it).
func skipWithoutMultipath(t *testing.T) {
	t.Helper()
	if readKernel(t, listen(t, nil).(*net.TCPListener)).Protocol != unix.IPPROTO_MPTCP {
		t.Skip("skipping: this kernel gives no Multipath TCP listener (net.mptcp.enabled=0 or no MPTCP)")
	}
}

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
	assert.Equal(t, noUT.Timeout()+time.Duration(sysctlMPTCP(t, "close_timeout"))*time.Second, st.Timeout())

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
		w := want
		w.Protocol, w.UserTimeout = unix.IPPROTO_MPTCP, -1
		assert.Equal(t, w, readKernel(t, multi))
	}
	require.Len(t, reported, 3, "OnError hears of every Multipath TCP connection")
	assert.ErrorIs(t, reported[0], errors.ErrUnsupported)
	close := time.Duration(sysctlMPTCP(t, "close_timeout")) * time.Second
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

// TestWrapListenerPlainInner: on a plain TCP inner listener, no
// connection can be Multipath TCP, and none is asked.
func TestWrapListenerPlainInner(t *testing.T) {
	noUT := cfg
	noUT.UserTimeout = 0
	inner := &net.ListenConfig{}
	inner.SetMultipathTCP(false)
	var reported atomic.Int32
	ln := &keepalive.Listener{Listener: listen(t, inner), Config: noUT, OnError: func(net.Conn, error) { reported.Add(1) }}
	_, accepted := pair(t, ln, nil)
	want := ours
	want.UserTimeout = 0
	assert.Equal(t, want, readKernel(t, accepted))
	assert.Zero(t, reported.Load())
}

// TestWrapListenerRearmsKeepalive: on net.Listen's listener Go turned
// keep-alive on, with a 15s idle timer running, before the Listener
// skips SO_KEEPALIVE and sets TCP_KEEPIDLE: the kernel's timer must run
// with the Config's idle time, as /proc/net/tcp shows (timer 2, keep-alive,
// expiring in clock ticks of 1/100 s).
func TestWrapListenerRearmsKeepalive(t *testing.T) {
	inner := &net.ListenConfig{}
	inner.SetMultipathTCP(false)
	dialed, accepted := pair(t, keepalive.WrapListener(listen(t, inner), cfg), &net.Dialer{KeepAlive: -1})
	local := accepted.LocalAddr().(*net.TCPAddr).Port
	remote := dialed.LocalAddr().(*net.TCPAddr).Port
	b, err := os.ReadFile("/proc/net/tcp")
	require.NoError(t, err)
	var timer, when string
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) > 5 && strings.HasSuffix(f[1], fmt.Sprintf(":%04X", local)) && strings.HasSuffix(f[2], fmt.Sprintf(":%04X", remote)) {
			timer, when, _ = strings.Cut(f[5], ":")
		}
	}
	require.Equal(t, "02", timer, "the accepted connection's keep-alive timer runs")
	ticks, err := strconv.ParseInt(when, 16, 64)
	require.NoError(t, err)
	left := time.Duration(ticks) * 10 * time.Millisecond
	assert.Greater(t, left, 15*time.Second, "the timer still runs with Go's 15s")
	assert.LessOrEqual(t, left, cfg.Idle)
}

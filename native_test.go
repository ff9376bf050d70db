//go:build darwin || freebsd || netbsd || dragonfly || illumos || windows

package keepalive_test

import (
	"context"
	"errors"
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// These tests run on the systems whose kernels the library configures
// natively outside Linux, on real loopback sockets, and read the values
// back with each system's own getsockopt (native_unix_test.go,
// native_windows_test.go), not through the library. Only Linux runs in this project's CI, which
// builds these for windows, darwin and freebsd (go test -c) and vets
// them for the rest, so that they are ready for a runner of each system.

// native is what a socket holds, as readNative reads it.
type native struct {
	KeepAlive   bool
	Idle        time.Duration
	Interval    time.Duration
	Count       int
	UserTimeout time.Duration // 0 where the system has no user timeout
}

// within is valid on all these systems (illumos: interval 1..60s).
var within = keepalive.Config{Idle: 37 * time.Second, Interval: 11 * time.Second, Count: 4}

// wanted is within with this system's user timeout, if it has one,
// without what the running system cannot set: the probe count on
// Windows before 10 1703, the user timeout where Windows refuses
// TCP_MAXRT (Wine).
func wanted() (keepalive.Config, native) {
	c := within
	if hasUserTimeout {
		c.UserTimeout = 23 * time.Second
	}
	if errors.Is(keepalive.Config{Count: c.Count}.Validate(), errors.ErrUnsupported) {
		c.Count = keepalive.System
	}
	if errors.Is(keepalive.Config{UserTimeout: c.UserTimeout}.Validate(), errors.ErrUnsupported) {
		c.UserTimeout = 0
	}
	// (FreeBSD: hasUserTimeout is false where the kernel refuses
	// TCP_MAXUNACKTIME; TestNativeMaxUnackTimeRefused covers that.)
	return c, native{KeepAlive: true, Idle: c.Idle, Interval: c.Interval, Count: c.Count, UserTimeout: c.UserTimeout}
}

// readNative reads, with the system's own getsockopt, what c's socket
// holds (nativeFields says which options, per system).
func readNative(t *testing.T, c syscall.Conn) native {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var n native
	var errs []error
	require.NoError(t, rc.Control(func(fd uintptr) {
		n = nativeFields(func(level, opt int) int {
			v, err := getsockoptInt(fd, level, opt)
			if err != nil {
				errs = append(errs, err)
			}
			return v
		})
	}))
	require.Empty(t, errs)
	return n
}

// skipWithoutReadBack skips where the kernel cannot report keep-alive
// values (Windows before 10 1709).
func skipWithoutReadBack(t *testing.T, c net.Conn) {
	t.Helper()
	if _, err := keepalive.Get(c); errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("this system cannot read keep-alive values back: %v", err)
	}
}

func TestNativeSet(t *testing.T) {
	c, want := wanted()
	dialed, accepted := pair(t, listen(t, nil), nil)
	skipWithoutReadBack(t, dialed)
	for _, conn := range []*net.TCPConn{dialed, accepted} {
		require.NoError(t, keepalive.Set(conn, c))
		assert.Equal(t, want, readNative(t, conn))
	}
}

func TestNativeGetMatchesKernel(t *testing.T) {
	c, _ := wanted()
	dialed, _ := pair(t, listen(t, nil), nil)
	skipWithoutReadBack(t, dialed)
	require.NoError(t, keepalive.Set(dialed, c))
	s, err := keepalive.Get(dialed)
	require.NoError(t, err)
	k := readNative(t, dialed)
	assert.Equal(t, k.KeepAlive, s.Enabled)
	assert.Equal(t, keepalive.Config{Idle: k.Idle, Interval: k.Interval, Count: k.Count, UserTimeout: k.UserTimeout}, s.Config)
}

func TestNativeDial(t *testing.T) {
	c, want := wanted()
	dialed, _ := pair(t, listen(t, nil), keepalive.NewDialer(keepalive.WithKeepalive(c)))
	skipWithoutReadBack(t, dialed)
	assert.Equal(t, want, readNative(t, dialed))
}

func TestNativeListenConfig(t *testing.T) {
	c, want := wanted()
	if !inheritsUserTimeout {
		c.UserTimeout, want.UserTimeout = 0, 0
	}
	_, accepted := pair(t, listen(t, listenConfig(c)), nil)
	skipWithoutReadBack(t, accepted)
	got := readNative(t, accepted)
	if !inheritsUserTimeout {
		got.UserTimeout = 0 // the system's (illumos: 8 minutes)
	}
	assert.Equal(t, want, got)

	// A user timeout set on the listening socket is not known to
	// reach accepted connections here: Listen refuses it.
	if c, _ := wanted(); c.UserTimeout > 0 && !inheritsUserTimeout {
		_, err := listenConfig(c).Listen(context.Background(), "tcp", "127.0.0.1:0")
		assert.ErrorIs(t, err, errors.ErrUnsupported)
		assert.ErrorContains(t, err, "WrapListener")
	}
}

func TestNativeWrapListener(t *testing.T) {
	c, want := wanted()
	ln := keepalive.WrapListener(listen(t, nil), c)
	_, accepted := pair(t, ln, nil)
	skipWithoutReadBack(t, accepted)
	assert.Equal(t, want, readNative(t, accepted))
}

// TestNativeCheck: Check on a live, a closed-by-the-peer and a reset
// connection. Where the kernel reports the TCP state (darwin:
// TCP_CONNECTION_INFO; FreeBSD: TCP_INFO; Windows 10 1703 and later:
// SIO_TCP_INFO), the peer's FIN gives io.EOF; where it does not (Wine,
// which lacks SIO_TCP_INFO; the other BSDs and illumos), Check reports
// only the pending error, and the test says which it saw. A reset is a
// gone peer everywhere.
func TestNativeCheck(t *testing.T) {
	dialed, accepted := pair(t, listen(t, nil), nil)
	require.NoError(t, keepalive.Check(dialed))
	h, err := keepalive.Inspect(dialed)
	require.NoError(t, err)
	reportsState := h.State != keepalive.TCPUnknown
	if reportsState {
		t.Logf("the kernel reports the TCP state: %v (RTT %v)", h, h.RTT)
		assert.Equal(t, keepalive.TCPEstablished, h.State)
		if runtime.GOOS == "freebsd" {
			// TCP_INFO's times are microseconds (tcp_fill_info: ticks ×
			// tick). The RTO is at least tcp_rexmit_min (30ms) and at
			// most the initial 1s (3s before FreeBSD 13): read as
			// milliseconds or nanoseconds it falls outside. The
			// connection is new.
			assert.True(t, h.RTO >= time.Millisecond && h.RTO <= 3*time.Second, "RTO %v", h.RTO)
			assert.True(t, h.RTT >= 0 && h.RTT < h.RTO, "RTT %v, RTO %v", h.RTT, h.RTO)
			assert.True(t, h.SinceReceived >= 0 && h.SinceReceived < 5*time.Second, "since received %v", h.SinceReceived)
			assert.Equal(t, -1, h.Probes, "FreeBSD counts no current probes")
			assert.Equal(t, -1, h.Retransmissions, "FreeBSD counts retransmissions only in total")
		}
	} else {
		t.Logf("no TCP state on this system: Check falls back to the pending error alone (%+v)", h)
		assert.Equal(t, -1, h.Probes)
	}
	assert.NoError(t, h.Err)

	require.NoError(t, accepted.Close()) // FIN
	var finErr error
	for deadline := time.Now().Add(time.Second); finErr == nil && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		finErr = keepalive.Check(dialed)
	}
	if reportsState {
		assert.ErrorIs(t, finErr, io.EOF)
	} else {
		assert.NoError(t, finErr, "without the TCP state, a FIN is not visible to Check")
	}

	dialed, accepted = pair(t, listen(t, nil), nil)
	require.NoError(t, accepted.SetLinger(0))
	require.NoError(t, accepted.Close()) // RST
	var rstErr error
	for deadline := time.Now().Add(2 * time.Second); rstErr == nil && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		rstErr = keepalive.Check(dialed)
	}
	t.Logf("after a reset: %v", rstErr)
	if rstErr == nil && !reportsState && runtime.GOOS == "windows" {
		// Wine (8.0) lacks SIO_TCP_INFO and learns of a reset only
		// through an operation in progress, so SO_ERROR stays 0: Check
		// falls back to nil, as documented, and fails nothing.
		t.Log("Windows without SIO_TCP_INFO (Wine): the reset is not visible to Check until a Read or Write reports it")
		_, err := dialed.Read(make([]byte, 1))
		assert.True(t, keepalive.IsPeerGone(err) || errors.Is(err, io.EOF), "%v", err)
		return
	}
	assert.True(t, keepalive.IsPeerGone(rstErr), "%v", rstErr)
	assert.NotErrorIs(t, rstErr, keepalive.ErrUnanswered)
}

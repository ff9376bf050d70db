//go:build darwin || freebsd || netbsd || dragonfly || illumos || windows

package keepalive_test

import (
	"context"
	"errors"
	"net"
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

package keepalive_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
)

// FreeBSD sys/netinet/tcp.h: #define TCP_MAXUNACKTIME 68 (seconds), in
// the header since 13.1; golang.org/x/sys has it for riscv64 only.
const (
	optIdle             = unix.TCP_KEEPIDLE
	optUserTimeout      = 68
	idleUnit            = time.Second
	userTimeoutUnit     = time.Second
	inheritsUserTimeout = false
)

// hasUserTimeout: the base stack's tcp_default_ctloutput handled
// TCP_MAXUNACKTIME only in a later release than the header; a kernel
// without it refuses it with ENOPROTOOPT.
var hasUserTimeout = func() bool {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		return true
	}
	defer unix.Close(fd)
	return !errors.Is(unix.SetsockoptInt(fd, unix.IPPROTO_TCP, optUserTimeout, 30), unix.ENOPROTOOPT)
}()

// TestNativeMaxUnackTimeRefused: on a kernel without TCP_MAXUNACKTIME,
// Set reports the refusal as errors.ErrUnsupported after setting the
// keep-alive options.
func TestNativeMaxUnackTimeRefused(t *testing.T) {
	if hasUserTimeout {
		t.Skip("this kernel takes TCP_MAXUNACKTIME")
	}
	dialed, _ := pair(t, listen(t, nil), nil)
	c := within
	c.UserTimeout = 23 * time.Second
	err := keepalive.Set(dialed, c)
	require.ErrorIs(t, err, errors.ErrUnsupported)
	assert.ErrorContains(t, err, "TCP_MAXUNACKTIME")
	got := readNative(t, dialed)
	assert.Equal(t, native{KeepAlive: true, Idle: c.Idle, Interval: c.Interval, Count: c.Count}, got)
}

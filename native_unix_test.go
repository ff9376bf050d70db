//go:build darwin || freebsd || netbsd || dragonfly || illumos

package keepalive_test

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
)

// nativeOptions is what one system's kernel calls its idle time and its
// user timeout, and their units; the interval and count are
// TCP_KEEPINTVL and TCP_KEEPCNT, in the idle time's unit, on all of
// these systems. The numbers are the systems' headers', written here
// rather than taken from the library (golang.org/x/sys has no
// TCP_KEEPIDLE for darwin, and TCP_MAXUNACKTIME for FreeBSD's riscv64
// only).
type nativeOptions struct {
	idle, userTimeout         int // userTimeout 0: the system has none
	idleUnit, userTimeoutUnit time.Duration
	inheritsUserTimeout       bool
}

var natives = map[string]nativeOptions{
	// xnu bsd/netinet/tcp.h: the idle time is TCP_KEEPALIVE (0x10), the
	// user timeout TCP_RXT_CONNDROPTIME (0x80); seconds.
	"darwin": {idle: 0x10, userTimeout: 0x80, idleUnit: time.Second, userTimeoutUnit: time.Second},
	// FreeBSD sys/netinet/tcp.h: TCP_KEEPIDLE 0x100; #define
	// TCP_MAXUNACKTIME 68 (seconds), in the header since 13.1.
	"freebsd": {idle: 0x100, userTimeout: 68, idleUnit: time.Second, userTimeoutUnit: time.Second},
	// NetBSD sys/netinet/tcp.h: TCP_KEEPIDLE 3; sys/netinet/tcp_timer.h
	// counts the timers in slow ticks of 500ms (PR_SLOWHZ = 2).
	"netbsd": {idle: 3, idleUnit: 500 * time.Millisecond},
	// DragonFly: TCP_KEEPIDLE 0x100, in seconds since 5.8, which is what
	// Go supports.
	"dragonfly": {idle: 0x100, idleUnit: time.Second},
	// illumos tcp.h: TCP_KEEPIDLE 0x22 in seconds; tcp_opt_data.c:
	// TCP_ABORT_THRESHOLD (0x11) in milliseconds, which tcp_init_values
	// copies to accepted sockets (tcp_second_timer_threshold).
	"illumos": {idle: 0x22, userTimeout: 0x11, idleUnit: time.Second, userTimeoutUnit: time.Millisecond, inheritsUserTimeout: true},
}

// opts are the running system's.
var opts = natives[runtime.GOOS]

var inheritsUserTimeout = opts.inheritsUserTimeout

// hasUserTimeout: FreeBSD's base stack handled TCP_MAXUNACKTIME only in
// a later release than the header; a kernel without it refuses it with
// ENOPROTOOPT.
var hasUserTimeout = opts.userTimeout != 0 && (runtime.GOOS != "freebsd" || takesMaxUnackTime())

func takesMaxUnackTime() bool {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM, 0)
	if err != nil {
		return true
	}
	defer unix.Close(fd)
	return !errors.Is(unix.SetsockoptInt(fd, unix.IPPROTO_TCP, opts.userTimeout, 30), unix.ENOPROTOOPT)
}

// getsockoptInt reads one option of the socket fd.
func getsockoptInt(fd uintptr, level, opt int) (int, error) {
	return unix.GetsockoptInt(int(fd), level, opt)
}

// nativeFields reads the options natives names for this system.
func nativeFields(get func(level, opt int) int) native {
	n := native{
		KeepAlive: get(unix.SOL_SOCKET, unix.SO_KEEPALIVE) != 0,
		Idle:      time.Duration(get(unix.IPPROTO_TCP, opts.idle)) * opts.idleUnit,
		Interval:  time.Duration(get(unix.IPPROTO_TCP, unix.TCP_KEEPINTVL)) * opts.idleUnit,
		Count:     get(unix.IPPROTO_TCP, unix.TCP_KEEPCNT),
	}
	if hasUserTimeout {
		n.UserTimeout = time.Duration(get(unix.IPPROTO_TCP, opts.userTimeout)) * opts.userTimeoutUnit
	}
	return n
}

// TestNativeMaxUnackTimeRefused: on a kernel without TCP_MAXUNACKTIME,
// Set reports the refusal as errors.ErrUnsupported after setting the
// keep-alive options.
func TestNativeMaxUnackTimeRefused(t *testing.T) {
	if runtime.GOOS != "freebsd" || hasUserTimeout {
		t.Skip("only a FreeBSD kernel without TCP_MAXUNACKTIME refuses it")
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

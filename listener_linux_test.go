package keepalive_test

// The Listener's policy on real sockets: what it returns, reports and
// sets on each accepted connection.

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// fakeListener hands out what it is given, then its error.
type fakeListener struct {
	net.Listener
	conns chan net.Conn
	err   error
}

func (f *fakeListener) Accept() (net.Conn, error) {
	select {
	case c := <-f.conns:
		return c, nil
	default:
		return nil, f.err
	}
}

type temporaryError struct{}

func (temporaryError) Error() string { return "try again" }

func (temporaryError) Timeout() bool { return false }

func (temporaryError) Temporary() bool { return true }

func TestWrapListenerPolicy(t *testing.T) {
	t.Run("accept errors pass through unchanged", func(t *testing.T) {
		want := temporaryError{}
		ln := keepalive.WrapListener(&fakeListener{err: want}, cfg)
		_, err := ln.Accept()
		assert.Equal(t, error(want), err)

		inner := listen(t, nil)
		ln = keepalive.WrapListener(inner, cfg)
		require.NoError(t, ln.Close())
		_, err = ln.Accept()
		assert.ErrorIs(t, err, net.ErrClosed)
	})
	t.Run("a conn that is not TCP is returned unchanged and reported once", func(t *testing.T) {
		p1, p2 := net.Pipe()
		defer p1.Close()
		defer p2.Close()
		u1, u2 := unixPair(t)
		_, good := pair(t, listen(t, nil), nil)
		f := &fakeListener{conns: make(chan net.Conn, 3), err: net.ErrClosed}
		f.conns <- p1
		f.conns <- u1
		f.conns <- good
		var reported []net.Conn
		ln := &keepalive.Listener{Listener: f, Config: cfg, OnError: func(c net.Conn, err error) {
			assert.ErrorContains(t, err, "net.pipe")
			reported = append(reported, c)
		}}
		for _, want := range []net.Conn{p1, u1, good} {
			c, err := ln.Accept()
			require.NoError(t, err)
			assert.Same(t, want, c)
		}
		assert.Equal(t, []net.Conn{p1}, reported, "reported once per listener")
		go p1.Write([]byte{1})
		_, err := p2.Read(make([]byte, 1))
		assert.NoError(t, err, "the pipe still works")
		_, err = u2.Write([]byte{1})
		assert.NoError(t, err, "the unix socket still works")
		assert.Equal(t, ours, readKernel(t, good))
	})
	t.Run("an inner Accept returning nil, nil is passed through", func(t *testing.T) {
		f := &fakeListener{conns: make(chan net.Conn, 1)}
		f.conns <- nil
		c, err := keepalive.WrapListener(f, cfg).Accept()
		assert.Nil(t, c)
		assert.NoError(t, err)
	})
	t.Run("Addr, Close, Unwrap", func(t *testing.T) {
		inner := listen(t, nil)
		ln := keepalive.WrapListener(inner, cfg)
		assert.Equal(t, inner.Addr(), ln.Addr())
		assert.Same(t, inner, ln.(*keepalive.Listener).Unwrap())
		require.NoError(t, ln.Close())
		_, err := inner.Accept()
		assert.ErrorIs(t, err, net.ErrClosed)
	})
}

// fileConn is a net.Conn whose SyscallConn is an *os.File's: a pipe, not
// a socket.
type fileConn struct {
	net.Conn
	f *os.File
}

func (c fileConn) SyscallConn() (syscall.RawConn, error) { return c.f.SyscallConn() }

// listenerOf hands out its conns, then net.ErrClosed.
type listenerOf struct {
	net.Listener
	conns chan net.Conn
}

func (l listenerOf) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	default:
		return nil, net.ErrClosed
	}
}

// TestListenerReturnsNonSocket: a connection whose SyscallConn is not a
// socket is not TCP, so a Listener returns it unchanged and reports it,
// as its policy says, instead of closing it as a refusal (issue 18, 5).
func TestListenerReturnsNonSocket(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	conn := fileConn{p1, w}
	var reported []error
	ln := &keepalive.Listener{Listener: listenerOf{conns: make(chan net.Conn, 1)}, Config: cfg,
		OnError: func(_ net.Conn, err error) { reported = append(reported, err) }}
	ln.Listener.(listenerOf).conns <- conn
	c, err := ln.Accept()
	require.NoError(t, err, "the connection was closed")
	assert.Equal(t, net.Conn(conn), c)
	require.Len(t, reported, 1)
	assert.ErrorContains(t, reported[0], "not a socket")
	go p1.Write([]byte{1})
	_, err = p2.Read(make([]byte, 1))
	assert.NoError(t, err, "the connection still works")
	_, err = w.Write([]byte{1})
	assert.NoError(t, err, "the pipe still works")

	err = keepalive.Set(conn, cfg)
	assert.ErrorContains(t, err, "not a socket")
	assert.ErrorIs(t, err, syscall.ENOTSOCK)
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

// Package sockettest holds what the module's test packages share: the
// Config the tests ask for, loopback listeners and connections closed at
// the end of the test, and, on Linux, what the kernel holds for a socket
// (keep-alive options, TCP_INFO, unread bytes, the pending error), read
// by the test itself, never through the library.
// It is test tooling for this module, not API.
package sockettest

import (
	"context"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// Config is what the tests ask for: values no default produces (Ours,
// on Linux, is how the kernel holds them).
var Config = keepalive.Config{Idle: 37 * time.Second, Interval: 7 * time.Second, Count: 4, UserTimeout: 12345 * time.Millisecond}

// Pair returns a dialed and an accepted connection over loopback, both
// closed at the end of the test. A nil d is a zero net.Dialer.
func Pair(t *testing.T, ln net.Listener, d *net.Dialer) (dialed, accepted *net.TCPConn) {
	t.Helper()
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		ch <- result{c, err}
	}()
	if d == nil {
		d = &net.Dialer{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	r := <-ch
	require.NoError(t, r.err)
	t.Cleanup(func() { r.c.Close() })
	return c.(*net.TCPConn), r.c.(*net.TCPConn)
}

// Listen returns a loopback listener closed at the end of the test. A
// nil lc is a zero net.ListenConfig.
func Listen(t *testing.T, lc *net.ListenConfig) net.Listener {
	t.Helper()
	if lc == nil {
		lc = &net.ListenConfig{}
	}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	return ln
}

// ListenConfig is a new net.ListenConfig configured with c.
func ListenConfig(c keepalive.Config) *net.ListenConfig {
	lc := &net.ListenConfig{}
	keepalive.ConfigureListenConfig(lc, c)
	return lc
}

// NothingDialed fails the test if a connection reached ln, a TCP
// listener: one whose dial had connected would have completed its
// handshake, so it would wait in the accept queue. It takes such a
// connection out and closes it.
func NothingDialed(t *testing.T, ln net.Listener) {
	t.Helper()
	require.NoError(t, ln.(*net.TCPListener).SetDeadline(time.Now().Add(50*time.Millisecond)))
	c, err := ln.Accept()
	if err == nil {
		c.Close()
	}
	require.ErrorIs(t, err, os.ErrDeadlineExceeded, "a connection was dialed")
}

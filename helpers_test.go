package keepalive_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// pair returns a dialed and an accepted connection over loopback, both
// closed at the end of the test.
func pair(t *testing.T, ln net.Listener, d *net.Dialer) (dialed, accepted *net.TCPConn) {
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

// listen returns a loopback listener closed at the end of the test.
func listen(t *testing.T, lc *net.ListenConfig) net.Listener {
	t.Helper()
	if lc == nil {
		lc = &net.ListenConfig{}
	}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	return ln
}

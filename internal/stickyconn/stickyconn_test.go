package stickyconn_test

import (
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/stickyconn"
)

// pair returns a loopback connection, wrapped, and its peer.
func pair(t *testing.T) (net.Conn, *net.TCPConn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	peer, err := ln.Accept()
	require.NoError(t, err)
	t.Cleanup(func() { peer.Close() })
	return stickyconn.Wrap(c), peer.(*net.TCPConn)
}

func TestPeerGoneSticks(t *testing.T) {
	c, peer := pair(t)
	require.NoError(t, peer.SetLinger(0))
	require.NoError(t, peer.Close()) // a reset
	buf := make([]byte, 1)
	_, first := c.Read(buf)
	require.True(t, keepalive.IsPeerGone(first), "%v", first)
	_, second := c.Read(buf)
	assert.Equal(t, first, second)
}

func TestEOFDoesNotStick(t *testing.T) {
	c, peer := pair(t)
	_, err := peer.Write([]byte("x"))
	require.NoError(t, err)
	require.NoError(t, peer.CloseWrite())
	b, err := io.ReadAll(c)
	require.NoError(t, err)
	assert.Equal(t, "x", string(b))
}

func TestSyscallConn(t *testing.T) {
	c, _ := pair(t)
	_, ok := c.(syscall.Conn)
	assert.True(t, ok)
	st, err := keepalive.Get(c)
	require.NoError(t, err)
	assert.True(t, st.Enabled)
	assert.IsType(t, &net.TCPConn{}, c.(interface{ NetConn() net.Conn }).NetConn())
}

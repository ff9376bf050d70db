package main

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSinceLastPacket: the kernel's time since the last packet received
// grows while nothing comes, and starts again when something does.
func TestSinceLastPacket(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	peer, err := ln.Accept()
	require.NoError(t, err)
	defer peer.Close()

	time.Sleep(300 * time.Millisecond)
	quiet, ok := sinceLastPacket(conn)
	require.True(t, ok)
	assert.GreaterOrEqual(t, quiet, 250*time.Millisecond, "nothing came for 300ms")

	_, err = peer.Write([]byte{1})
	require.NoError(t, err)
	_, err = conn.Read(make([]byte, 1))
	require.NoError(t, err)
	heard, ok := sinceLastPacket(conn)
	require.True(t, ok)
	assert.Less(t, heard, quiet, "a byte just came")

	f, words := lastPacket(conn)
	assert.Contains(t, f, "since_packet")
	assert.Contains(t, words, "last packet received ")

	_, ok = sinceLastPacket(&net.UnixConn{})
	assert.False(t, ok, "not a TCP socket")
}

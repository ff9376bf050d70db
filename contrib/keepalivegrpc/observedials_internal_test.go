package keepalivegrpc

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// TestObserverDropsClosed: a connection gRPC closes before it is set up
// (a failed handshake) is never named by ConnBegin; the next dial drops
// it, so that none is kept for ever.
func TestObserverDropsClosed(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	o := &observer{dial: dialer(keepalive.Within(10*time.Second), nil), pending: make(map[connKey]net.Conn)}
	first, err := o.dialContext(context.Background(), ln.Addr().String())
	require.NoError(t, err)
	require.Len(t, o.pending, 1)
	require.NoError(t, first.Close())
	second, err := o.dialContext(context.Background(), ln.Addr().String())
	require.NoError(t, err)
	defer second.Close()
	assert.Equal(t, map[connKey]net.Conn{keyOf(second.LocalAddr(), second.RemoteAddr()): second}, o.pending)
}

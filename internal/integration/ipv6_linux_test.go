package integration_test

// The library on the IPv6 loopback ([::1]): the IPv4 paths are
// exercised throughout this package; these read back the same Config on
// IPv6 sockets.

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// TestIPv6Loopback: every way in sets the whole Config on IPv6 sockets,
// read back from the kernel.
func TestIPv6Loopback(t *testing.T) {
	if len(loopbacks(t)) < 2 {
		t.Skip("skipping: no IPv6 loopback ([::1])")
	}
	const addr = "[::1]:0"
	t.Run("NewDialer", func(t *testing.T) {
		dialed, _ := pairOn(t, addr, nil, keepalive.NewDialer(keepalive.WithKeepalive(cfg)))
		assert.Equal(t, ours, readKernel(t, dialed))
		assert.Contains(t, dialed.LocalAddr().String(), "[::1]")
	})
	t.Run("Listen", func(t *testing.T) {
		ln, err := keepalive.Listen(context.Background(), "tcp", addr, cfg)
		require.NoError(t, err)
		t.Cleanup(func() { ln.Close() })
		_, accepted := pair(t, ln, nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("ConfigureListenConfig", func(t *testing.T) {
		_, accepted := pairOn(t, addr, listenConfig(cfg), nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("WrapListener", func(t *testing.T) {
		ln, err := net.Listen("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { ln.Close() })
		_, accepted := pair(t, keepalive.WrapListener(ln, cfg), nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("Set and Get", func(t *testing.T) {
		dialed, _ := pairOn(t, addr, nil, nil)
		require.NoError(t, keepalive.Set(dialed, cfg))
		assert.Equal(t, ours, readKernel(t, dialed))
		st, err := keepalive.Get(dialed)
		require.NoError(t, err)
		assert.Equal(t, cfg, st.Config)
	})
}

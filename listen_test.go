package keepalive_test

// Listen on networks that are not TCP.

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// TestListenNetworks: a packet network fails with an error naming it
// (not Go's "unexpected address type"), an invalid Config included; a
// Unix stream network listens as net.Listen would.
func TestListenNetworks(t *testing.T) {
	cfg := keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3}
	for _, tt := range []struct {
		network, address string
		cfg              keepalive.Config
	}{
		{"udp", "127.0.0.1:0", cfg},
		{"udp6", "[::1]:0", cfg},
		{"ip4:icmp", "127.0.0.1", cfg},
		{"unixgram", "", cfg},
		{"udp", "127.0.0.1:0", keepalive.Config{Idle: -1}},
	} {
		t.Run(tt.network, func(t *testing.T) {
			ln, err := keepalive.Listen(context.Background(), tt.network, tt.address, tt.cfg)
			require.Error(t, err)
			assert.Nil(t, ln)
			var op *net.OpError
			require.True(t, errors.As(err, &op), "%T: %v", err, err)
			assert.Equal(t, tt.network, op.Net)
			assert.Contains(t, err.Error(), `network "`+tt.network+`" is not a stream network`)
			assert.Contains(t, err.Error(), "net.ListenPacket")
			assert.NotContains(t, err.Error(), "unexpected address type")
		})
	}
	t.Run("unix", func(t *testing.T) {
		// Not t.TempDir: Wine cannot remove a Unix socket's file, which
		// would fail the test at cleanup.
		dir, err := os.MkdirTemp("", "keepalive-unix")
		require.NoError(t, err)
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "s")
		ln, err := keepalive.Listen(context.Background(), "unix", path, cfg)
		if err != nil {
			// Systems without Unix sockets (plan9, js) fail as net.Listen does.
			assert.NotContains(t, err.Error(), "not a stream network")
			return
		}
		defer ln.Close()
		assert.Equal(t, "unix", ln.Addr().Network())
	})
}

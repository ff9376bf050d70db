package keepalivepgx_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
	"github.com/tcpkeepalive/keepalive/internal/tracktest"
)

// TestTracker: keepalive.WithTracker given to ParseConfig (or Configure,
// ParsePoolConfig) or Dialer tracks the connections the dial function
// dials, with their peer, whichever decides: libpq's keys, the Config
// from code, keep-alive off. TestIntegrationPoolCheck tracks a pool's
// connections so and counts CheckBeforeAcquire's checks against a real
// server.
func TestTracker(t *testing.T) {
	cfg := keepalive.Within(20 * time.Second)
	for _, tc := range []struct {
		name  string
		keys  string
		bound time.Duration
	}{
		{"libpq's keys", "&keepalives_idle=1&keepalives_interval=1&keepalives_count=3&tcp_user_timeout=4000", 4 * time.Second},
		{"the Config from code", "", cfg.Timeout()},
		{"keep-alive off", "&keepalives=0", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			cc, err := keepalivepgx.ParseConfig(base+tc.keys, cfg, keepalive.WithTracker(tr))
			require.NoError(t, err)
			trackedDial(t, tr, cc.DialFunc, tc.bound)
		})
	}
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	dial, err := keepalivepgx.Dialer(cfg, time.Second, keepalive.WithTracker(tr))
	require.NoError(t, err)
	trackedDial(t, tr, dial, cfg.Timeout())
}

// trackedDial dials a loopback listener with dial and checks tr's
// reading of the connection: live, its addresses, bound.
func trackedDial(t *testing.T, tr *keepalive.Tracker, dial func(context.Context, string, string) (net.Conn, error), bound time.Duration) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := dial(context.Background(), "tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	r := tracktest.Live(t, tr, ln.Addr(), bound)
	assert.Equal(t, c.LocalAddr().String(), r.LocalAddr.String())
}

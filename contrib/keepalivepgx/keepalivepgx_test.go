package keepalivepgx_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func TestMain(m *testing.M) {
	netns.RunCalls(calls, nil)
	goleak.VerifyTestMain(netns.Summarised{M: m})
}

// dialState dials a loopback listener with dial and returns what the
// kernel holds for the socket.
func dialState(t *testing.T, dial func(context.Context, string, string) (net.Conn, error)) keepalive.State {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	c, err := dial(context.Background(), "tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	st, err := keepalive.Get(c)
	require.NoError(t, err)
	return st
}

const base = "postgres://app@127.0.0.1:5432/app?sslmode=disable&application_name=x"

func TestParseConfig(t *testing.T) {
	cc, err := keepalivepgx.ParseConfig(base + "&keepalives=1&keepalives_idle=30&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=45000")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"application_name": "x"}, cc.RuntimeParams, "libpq's keep-alive keys must not reach the server")
	assert.Equal(t, keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}},
		dialState(t, cc.DialFunc))
}

func TestParsePoolConfig(t *testing.T) {
	pc, err := keepalivepgx.ParsePoolConfig(base + "&keepalives_idle=1&keepalives_interval=1&keepalives_count=3&tcp_user_timeout=4000&pool_max_conns=2")
	require.NoError(t, err)
	assert.Equal(t, int32(2), pc.MaxConns)
	assert.Equal(t, map[string]string{"application_name": "x"}, pc.ConnConfig.RuntimeParams)
	assert.Equal(t, keepalive.State{Enabled: true, Config: keepalive.Within(5 * time.Second)}, dialState(t, pc.ConnConfig.DialFunc))
}

func TestParseConfigSystemValues(t *testing.T) {
	// libpq's 0: the system's value.
	cc, err := keepalivepgx.ParseConfig(base + "&keepalives_idle=0&keepalives_count=4")
	require.NoError(t, err)
	st := dialState(t, cc.DialFunc)
	sys, err := keepalive.SystemDefaults()
	require.NoError(t, err)
	assert.Equal(t, sys.Config.Idle, st.Config.Idle)
	assert.Equal(t, 4, st.Config.Count)
}

func TestParseConfigOff(t *testing.T) {
	cc, err := keepalivepgx.ParseConfig(base + "&keepalives=0&keepalives_idle=30")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"application_name": "x"}, cc.RuntimeParams)
	assert.False(t, dialState(t, cc.DialFunc).Enabled)
}

func TestParseConfigNoKeys(t *testing.T) {
	// pgx's own dialer stays: Go's defaults.
	cc, err := keepalivepgx.ParseConfig(base)
	require.NoError(t, err)
	assert.Equal(t, keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 15 * time.Second, Interval: 15 * time.Second, Count: 9}}, dialState(t, cc.DialFunc))
}

func TestParseConfigBadValue(t *testing.T) {
	_, err := keepalivepgx.ParseConfig(base + "&keepalives_count=500")
	assert.ErrorContains(t, err, "Count")
	_, err = keepalivepgx.ParseConfig(base + "&keepalives_idle=soon")
	assert.ErrorContains(t, err, "keepalives_idle")
}

func TestSetConfig(t *testing.T) {
	cc, err := keepalivepgx.ParseConfig(base)
	require.NoError(t, err)
	cfg := keepalive.Within(10 * time.Second)
	keepalivepgx.SetConfig(&cc.Config, cfg)
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, dialState(t, cc.DialFunc))
}

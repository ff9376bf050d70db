package keepalivepgx_test

import (
	"context"
	"io"
	"maps"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
)

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
	cc, err := keepalivepgx.ParseConfig(base+"&keepalives=1&keepalives_idle=30&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=45000", keepalive.Config{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"application_name": "x"}, cc.RuntimeParams, "libpq's keep-alive keys must not reach the server")
	assert.Equal(t, keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}},
		dialState(t, cc.DialFunc))
}

func TestParsePoolConfig(t *testing.T) {
	pc, err := keepalivepgx.ParsePoolConfig(base+"&keepalives_idle=1&keepalives_interval=1&keepalives_count=3&tcp_user_timeout=4000&pool_max_conns=2", keepalive.Config{})
	require.NoError(t, err)
	assert.Equal(t, int32(2), pc.MaxConns)
	assert.Equal(t, map[string]string{"application_name": "x"}, pc.ConnConfig.RuntimeParams)
	assert.Equal(t, keepalive.State{Enabled: true, Config: keepalive.Within(5 * time.Second)}, dialState(t, pc.ConnConfig.DialFunc))
}

func TestParseConfigSystemValues(t *testing.T) {
	// libpq's 0: the system's value.
	cc, err := keepalivepgx.ParseConfig(base+"&keepalives_idle=0&keepalives_count=4", keepalive.Config{})
	require.NoError(t, err)
	st := dialState(t, cc.DialFunc)
	sys, err := keepalive.SystemDefaults()
	require.NoError(t, err)
	assert.Equal(t, sys.Config.Idle, st.Config.Idle)
	assert.Equal(t, 4, st.Config.Count)
}

func TestParseConfigOff(t *testing.T) {
	cc, err := keepalivepgx.ParseConfig(base+"&keepalives=0&keepalives_idle=30", keepalive.Config{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"application_name": "x"}, cc.RuntimeParams)
	assert.False(t, dialState(t, cc.DialFunc).Enabled)
}

func TestParseConfigNoKeys(t *testing.T) {
	// No keys and keepalive.Config{}: Go's defaults, as pgx's own dialer.
	cc, err := keepalivepgx.ParseConfig(base, keepalive.Config{})
	require.NoError(t, err)
	assert.Equal(t, keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 15 * time.Second, Interval: 15 * time.Second, Count: 9}}, dialState(t, cc.DialFunc))
}

func TestParseConfigBadValue(t *testing.T) {
	// Every error names its key, its value and the limit; all are reported.
	_, err := keepalivepgx.ParseConfig(base+"&keepalives_count=500&keepalives_idle=soon&tcp_user_timeout=-1ms", keepalive.Config{})
	require.Error(t, err)
	assert.ErrorContains(t, err, `keepalives_idle "soon": not an integer`)
	assert.ErrorContains(t, err, `tcp_user_timeout "-1ms": not an integer`)
	_, err = keepalivepgx.ParseConfig(base+"&keepalives_count=500", keepalive.Config{})
	assert.ErrorContains(t, err, `keepalive: invalid keepalives_count "500": `)
	var ce *keepalive.ConfigError
	assert.ErrorAs(t, err, &ce, "the *keepalive.ConfigError behind it")
}

func TestConfigure(t *testing.T) { testConfigure(t, false) }

// testConfigure runs Configure's cases on a config from pgx.ParseConfig,
// with a DialFunc of the caller's own if own, which must then dial each
// connection.
func testConfigure(t *testing.T, own bool) {
	fallback := keepalive.Within(10 * time.Second)
	for _, tc := range []struct {
		name string
		conn string
		want keepalive.State
	}{
		{name: "no keys", conn: base, want: keepalive.State{Enabled: true, Config: fallback}},
		{name: "keys", conn: base + "&keepalives_idle=30&keepalives_interval=5&keepalives_count=3",
			want: keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3}}},
		{name: "off", conn: base + "&keepalives=0", want: keepalive.State{Enabled: false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc, err := pgx.ParseConfig(tc.conn)
			require.NoError(t, err)
			used := 0
			if own {
				cc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
					used++
					d := net.Dialer{KeepAlive: -1}
					return d.DialContext(ctx, network, addr)
				}
			}
			require.NoError(t, keepalivepgx.Configure(&cc.Config, fallback))
			assert.Equal(t, map[string]string{"application_name": "x"}, cc.RuntimeParams)
			st := dialState(t, cc.DialFunc)
			if own {
				assert.Equal(t, 1, used, "the caller's DialFunc dials")
			}
			if !tc.want.Enabled {
				assert.False(t, st.Enabled)
				return
			}
			assert.Equal(t, tc.want, st)
		})
	}
}

func TestConfigureBad(t *testing.T) {
	// A bad value or a bad fallback: an error, and the config as it was.
	for _, tc := range []struct {
		name, conn string
		fallback   keepalive.Config
		err        string
	}{
		{"bad key", base + "&keepalives_count=500", keepalive.Config{}, `keepalives_count "500"`},
		{"bad fallback", base, keepalive.Config{Count: 500}, "invalid Count 500"},
		{"bad fallback, keys given", base + "&keepalives_idle=60", keepalive.Config{Count: 500}, "invalid Count 500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc, err := pgx.ParseConfig(tc.conn)
			require.NoError(t, err)
			params, dial := maps.Clone(cc.RuntimeParams), cc.DialFunc
			assert.ErrorContains(t, keepalivepgx.Configure(&cc.Config, tc.fallback), tc.err)
			assert.Equal(t, params, cc.RuntimeParams)
			assert.Equal(t, reflect.ValueOf(dial).Pointer(), reflect.ValueOf(cc.DialFunc).Pointer(), "DialFunc changed")
		})
	}
}

// A tcp_user_timeout below keepalives_idle + keepalives_interval drops an
// idle connection at its first unanswered probe on Linux. libpq and the
// kernel take it, so Configure does too, and Keys.Coherent says why it
// may not be what was meant.
func TestIncoherentKeys(t *testing.T) {
	conn := base + "&keepalives_idle=30&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=20000"
	cc, err := pgx.ParseConfig(conn)
	require.NoError(t, err)
	k, err := keepalivepgx.ReadKeys(&cc.Config)
	require.NoError(t, err)
	assert.EqualError(t, k.Coherent(), "keepalive: UserTimeout 20s overrides Count 3: an idle connection to a dead peer is dropped after 1 unanswered probe(s) at 35s, not after 3 at 45s (libpq's tcp_user_timeout disagrees with keepalives_count)")

	require.NoError(t, keepalivepgx.Configure(&cc.Config, keepalive.Config{}))
	st := dialState(t, cc.DialFunc)
	assert.Equal(t, keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 20 * time.Second}, st.Config)
	assert.Equal(t, 35*time.Second, st.Timeout(), "the bound the socket really holds")

	cc, err = pgx.ParseConfig(base + "&keepalives_idle=30&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=45000")
	require.NoError(t, err)
	k, err = keepalivepgx.ReadKeys(&cc.Config)
	require.NoError(t, err)
	assert.NoError(t, k.Coherent())
}

func TestDialer(t *testing.T) {
	cfg := keepalive.Within(10 * time.Second)
	dial, err := keepalivepgx.Dialer(cfg, time.Second)
	require.NoError(t, err)
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, dialState(t, dial))
}

// Dialer refuses an invalid Config where it is called, not at each dial.
func TestDialerRefused(t *testing.T) {
	dial, err := keepalivepgx.Dialer(keepalive.Config{Count: 500}, time.Second)
	assert.ErrorContains(t, err, "invalid Count 500")
	assert.Nil(t, dial)
	assert.Error(t, keepalivepgx.Configure(nil, keepalive.Config{}))
}

// ParsePoolConfig moves the keys into the dialer; a Configure after it
// still finds them there, and the connection string wins (issue 24: it
// used to apply the fallback, and the socket got idle 5s).
func TestParsePoolConfigThenConfigure(t *testing.T) {
	pc, err := keepalivepgx.ParsePoolConfig(base+"&keepalives_idle=60", keepalive.Config{})
	require.NoError(t, err)
	require.NoError(t, keepalivepgx.Configure(&pc.ConnConfig.Config, keepalive.Within(10*time.Second)))
	st := dialState(t, pc.ConnConfig.DialFunc)
	assert.Equal(t, 60*time.Second, st.Config.Idle, "the connection string's keepalives_idle")

	// Configure twice on a single connection's config: the same.
	cc, err := pgx.ParseConfig(base + "&keepalives_idle=60")
	require.NoError(t, err)
	for range 2 {
		require.NoError(t, keepalivepgx.Configure(&cc.Config, keepalive.Within(10*time.Second)))
		assert.Equal(t, 60*time.Second, dialState(t, cc.DialFunc).Config.Idle)
	}

	// Without keys, the fallback.
	pc, err = keepalivepgx.ParsePoolConfig(base, keepalive.Config{})
	require.NoError(t, err)
	require.NoError(t, keepalivepgx.Configure(&pc.ConnConfig.Config, keepalive.Within(10*time.Second)))
	assert.Equal(t, keepalive.Within(10*time.Second), dialState(t, pc.ConnConfig.DialFunc).Config)
}

// A DialFunc of the caller's own is kept: it dials, and the connection
// string's keys, else cfg, are set on what it returns; dial options
// cannot reach it.
func TestConfigureOwnDialFunc(t *testing.T) {
	testConfigure(t, true)
	cfg := keepalive.Within(7 * time.Second)

	t.Run("dial options", func(t *testing.T) {
		cc, err := pgx.ParseConfig(base)
		require.NoError(t, err)
		tr := keepalive.NewTracker(keepalive.TrackerOptions{})
		defer tr.Close()
		dial := cc.DialFunc
		assert.ErrorContains(t, keepalivepgx.Configure(&cc.Config, cfg, keepalive.WithTracker(tr)), "cannot give dial options")
		assert.Equal(t, reflect.ValueOf(dial).Pointer(), reflect.ValueOf(cc.DialFunc).Pointer(), "DialFunc changed")
		cc.DialFunc = nil
		require.NoError(t, keepalivepgx.Configure(&cc.Config, cfg, keepalive.WithTracker(tr)), "nil: Configure's own dialer")
		assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, dialState(t, cc.DialFunc))
	})

	t.Run("a connection that cannot take cfg", func(t *testing.T) {
		cc, err := pgx.ParseConfig(base)
		require.NoError(t, err)
		var server net.Conn
		cc.DialFunc = func(context.Context, string, string) (net.Conn, error) {
			c, s := net.Pipe()
			server = s
			return c, nil
		}
		require.NoError(t, keepalivepgx.Configure(&cc.Config, cfg))
		_, err = cc.DialFunc(context.Background(), "tcp", "127.0.0.1:9")
		require.Error(t, err)
		_, werr := server.Write([]byte{0})
		assert.ErrorIs(t, werr, io.ErrClosedPipe, "the connection is closed")
	})
}

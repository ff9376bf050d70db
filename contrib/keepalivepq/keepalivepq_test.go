package keepalivepq_test

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepq"
)

// The trap NewConnector exists for: lib/pq alone sends libpq's keys to
// the server, as run-time parameters (the real server then refuses the
// connection: TestIntegrationDeadServer's "trap").
func TestLibpqSendsUnknownKeys(t *testing.T) {
	s := newFakeServer(t)
	c, err := pq.NewConnector(s.dsn("keepalives_idle=30 tcp_user_timeout=5000"))
	require.NoError(t, err)
	dc, err := c.Connect(context.Background())
	require.NoError(t, err)
	require.NoError(t, dc.Close())
	assert.Equal(t, "30", s.last()["keepalives_idle"])
	assert.Equal(t, "5000", s.last()["tcp_user_timeout"])
}

func TestNewConnector(t *testing.T) {
	sys, err := keepalive.SystemDefaults()
	require.NoError(t, err)
	on := func(c keepalive.Config) keepalive.State { return keepalive.State{Enabled: true, Config: c} }
	for _, tc := range []struct {
		name string
		keys string
		cfg  keepalive.Config
		want keepalive.State
	}{
		{"all keys", "keepalives=1 keepalives_idle=30 keepalives_interval=5 keepalives_count=3 tcp_user_timeout=45000", keepalive.Config{},
			on(keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second})},
		{"keys win over the Config", "keepalives_idle=1 keepalives_interval=1 keepalives_count=3 tcp_user_timeout=4000", keepalive.Within(20 * time.Second),
			on(keepalive.Within(5 * time.Second))},
		{"absent keys are the system's", "keepalives_count=4", keepalive.Within(20 * time.Second),
			on(keepalive.Config{Idle: sys.Config.Idle, Interval: sys.Config.Interval, Count: 4})},
		{"keepalives=1 alone: the system's timers", "keepalives=1", keepalive.Within(20 * time.Second), on(sys.Config)},
		{"0 is the system's value", "keepalives_idle=0 keepalives_interval=2 tcp_user_timeout=0", keepalive.Config{},
			on(keepalive.Config{Idle: sys.Config.Idle, Interval: 2 * time.Second, Count: sys.Config.Count})},
		{"negative counts as 0", "keepalives_idle=-5 keepalives_count=-1", keepalive.Config{}, on(sys.Config)},
		{"spaces around a value", "keepalives_idle=' 7 ' keepalives_count='2\t'", keepalive.Config{},
			on(keepalive.Config{Idle: 7 * time.Second, Interval: sys.Config.Interval, Count: 2})},
		{"keepalives=0: off, the other keys not read", "keepalives=0 keepalives_idle=soon tcp_user_timeout=5000", keepalive.Within(5 * time.Second), keepalive.State{}},
		{"any other integer is on", "keepalives=-3 keepalives_idle=9", keepalive.Config{},
			on(keepalive.Config{Idle: 9 * time.Second, Interval: sys.Config.Interval, Count: sys.Config.Count})},
		{"no keys: the Config", "", keepalive.Within(5 * time.Second), on(keepalive.Within(5 * time.Second))},
		{"no keys, zero Config: Go's default, as lib/pq alone", "", keepalive.Config{},
			on(keepalive.Config{Idle: 15 * time.Second, Interval: 15 * time.Second, Count: 9})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFakeServer(t)
			c, err := keepalivepq.NewConnector(s.dsn(tc.keys), tc.cfg)
			require.NoError(t, err)
			st := connect(t, c)
			if !tc.want.Enabled {
				st = keepalive.State{Enabled: st.Enabled} // the timers of a socket without keep-alive do not matter
			}
			assert.Equal(t, tc.want, st)
			assert.Equal(t, map[string]string{"application_name": "x", "client_encoding": "UTF8", "datestyle": "ISO, MDY", "database": "app", "user": "app"},
				s.last(), "libpq's keep-alive keys must not reach the server")
		})
	}
}

func TestNewConnectorURL(t *testing.T) {
	s := newFakeServer(t)
	c, err := keepalivepq.NewConnector("postgres://app@"+s.ln.Addr().String()+"/app?sslmode=disable&keepalives_idle=30&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=45000&search_path=x", keepalive.Config{})
	require.NoError(t, err)
	assert.Equal(t, keepalive.State{Enabled: true, Config: keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}}, connect(t, c))
	assert.Equal(t, "x", s.last()["search_path"], "other run-time parameters still reach the server")
	assert.NotContains(t, s.last(), "keepalives_idle")
}

func TestNewConnectorConfig(t *testing.T) {
	s := newFakeServer(t)
	pc, err := pq.NewConfig(s.dsn("keepalives_idle=30"))
	require.NoError(t, err)
	c, err := keepalivepq.NewConnectorConfig(pc, keepalive.Config{})
	require.NoError(t, err)
	assert.Equal(t, 30*time.Second, connect(t, c).Config.Idle)
	assert.Equal(t, "30", pc.Runtime["keepalives_idle"], "the caller's Config is left as it was")
}

func TestNewConnectorBadValue(t *testing.T) {
	const notInteger = "not an integer from -2147483648 to 2147483647, as libpq reads it"
	for _, tc := range []struct {
		name, dsn, key, value, limit string
		system                       bool // the system's limit (a *keepalive.ConfigError)
	}{
		{"count above Linux's limit", "keepalives_count=500", "keepalives_count", "500", "outside 1–127, the range of TCP_KEEPCNT on linux", true},
		{"idle above Linux's limit", "keepalives_idle=40000", "keepalives_idle", "40000", "above 32767 s, the limit of TCP_KEEPIDLE on linux", true},
		{"not a number", "keepalives_idle=soon", "keepalives_idle", "soon", notInteger, false},
		{"a unit libpq does not take", "keepalives_interval=5s", "keepalives_interval", "5s", notInteger, false},
		{"beyond a C int", "tcp_user_timeout=2147483648", "tcp_user_timeout", "2147483648", notInteger, false},
		{"keepalives not an integer", "keepalives=yes", "keepalives", "yes", notInteger, false},
		{"keepalives empty", "keepalives=''", "keepalives", "", notInteger, false},
		{"keepalives beyond a C int", "keepalives=4294967296", "keepalives", "4294967296", notInteger, false},
		// A quoted value with commas is one value: it sets nothing else.
		{"commas in a quoted value", "keepalives_idle='30,keepalives_count=1'", "keepalives_idle", "30,keepalives_count=1", notInteger, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.system && runtime.GOOS != "linux" {
				t.Skip("the limits are Linux's")
			}
			_, err := keepalivepq.NewConnector("host=db user=app sslmode=disable "+tc.dsn, keepalive.Config{})
			var ke *keepalivepq.KeyError
			require.ErrorAs(t, err, &ke)
			assert.Equal(t, tc.key, ke.Key)
			assert.Equal(t, tc.value, ke.Value)
			assert.Equal(t, tc.limit, ke.Limit)
			assert.Contains(t, err.Error(), "keepalive: invalid "+tc.key+" ")
			var ce *keepalive.ConfigError
			assert.Equal(t, tc.system, errors.As(err, &ce))
		})
	}
}

func TestNewConnectorURLCommas(t *testing.T) {
	// The URL form: an escaped comma stays inside its value.
	_, err := keepalivepq.NewConnector("postgres://app@db/app?keepalives_idle=30%2Ckeepalives_count%3D1", keepalive.Config{})
	var ke *keepalivepq.KeyError
	require.ErrorAs(t, err, &ke)
	assert.Equal(t, "keepalives_idle", ke.Key)
}

func TestNewConnectorBadConfig(t *testing.T) {
	_, err := keepalivepq.NewConnector("host=db user=app", keepalive.Config{Count: 500})
	var ce *keepalive.ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Count", ce.Field)
	// Refused where it is given, also when the keys are there and it is
	// not used.
	_, err = keepalivepq.NewConnector("host=db user=app keepalives_count=3", keepalive.Config{Count: 500})
	require.ErrorAs(t, err, &ce)
}

func TestNewDialer(t *testing.T) {
	_, err := keepalivepq.NewDialer(keepalive.Config{Idle: -3 * time.Second})
	var ce *keepalive.ConfigError
	require.ErrorAs(t, err, &ce)

	cfg := keepalive.Within(10 * time.Second)
	d, err := keepalivepq.NewDialer(cfg)
	require.NoError(t, err)
	s := newFakeServer(t)
	for _, tc := range []struct {
		name string
		dial func() (net.Conn, error)
	}{
		{"Dial", func() (net.Conn, error) { return d.Dial("tcp", s.ln.Addr().String()) }},
		{"DialTimeout", func() (net.Conn, error) { return d.DialTimeout("tcp", s.ln.Addr().String(), 5*time.Second) }},
		{"DialContext", func() (net.Conn, error) { return d.DialContext(context.Background(), "tcp", s.ln.Addr().String()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.dial()
			require.NoError(t, err)
			defer c.Close()
			st, err := keepalive.Get(c)
			require.NoError(t, err)
			assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
		})
	}
}

// pq.DialOpen with a Dialer: the keys are the caller's to leave out.
func TestDialOpen(t *testing.T) {
	s := newFakeServer(t)
	d, err := keepalivepq.NewDialer(keepalive.Within(10 * time.Second))
	require.NoError(t, err)
	var got net.Conn
	defer keepalivepq.SetDialed(func(c net.Conn) { got = c })()
	dc, err := pq.DialOpen(d, s.dsn(""))
	require.NoError(t, err)
	defer dc.Close()
	st, err := keepalive.Get(got)
	require.NoError(t, err)
	assert.Equal(t, keepalive.Within(10*time.Second), st.Config)
}

// A Unix socket: the keys are taken out, nothing is set on the socket
// (libpq ignores them there too), and Checked lets the connection be.
func TestUnixSocket(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(dir, ".s.PGSQL.5432"))
	require.NoError(t, err)
	s := serveFake(t, ln)
	c, err := keepalivepq.NewConnector("host="+dir+" port=5432 user=app keepalives_idle=30 tcp_user_timeout=5000", keepalive.Config{})
	require.NoError(t, err)
	db := sql.OpenDB(keepalivepq.Checked(c))
	defer db.Close()
	for range 2 { // the second takes the pooled connection
		conn, err := db.Conn(context.Background())
		require.NoError(t, err)
		require.NoError(t, conn.Close())
	}
	assert.NotContains(t, s.last(), "keepalives_idle")
	s.mu.Lock()
	assert.Len(t, s.params, 1, "one connection, kept")
	s.mu.Unlock()
}

func TestEffective(t *testing.T) {
	cfg := keepalive.Within(5 * time.Second)
	got, on, err := keepalivepq.Effective("host=db user=app", cfg)
	require.NoError(t, err)
	assert.True(t, on)
	assert.Equal(t, cfg, got, "no keys: the Config from code")
	got, on, err = keepalivepq.Effective("host=db user=app keepalives_idle=60", cfg)
	require.NoError(t, err)
	assert.True(t, on)
	assert.Equal(t, keepalive.Config{Idle: time.Minute, Interval: keepalive.System, Count: keepalive.System}, got, "the connection string wins")
	_, on, err = keepalivepq.Effective("host=db user=app keepalives=0", cfg)
	require.NoError(t, err)
	assert.False(t, on)
	_, _, err = keepalivepq.Effective("host=db user=app", keepalive.Config{Count: 500})
	var ce *keepalive.ConfigError
	assert.ErrorAs(t, err, &ce)
	_, _, err = keepalivepq.Effective("host=db user=app keepalives=''", cfg)
	assert.ErrorContains(t, err, `keepalive: invalid keepalives ""`)
}

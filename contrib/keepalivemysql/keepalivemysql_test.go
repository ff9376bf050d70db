package keepalivemysql_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivemysql"
)

// dialState dials a loopback listener with c's DialFunc and returns what
// the kernel holds for the socket.
func dialState(t *testing.T, c *mysql.Config) keepalive.State {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	conn, err := c.DialFunc(context.Background(), "tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	st, err := keepalive.Get(conn)
	require.NoError(t, err)
	return st
}

func parse(t *testing.T, dsn string) *mysql.Config {
	t.Helper()
	c, err := mysql.ParseDSN(dsn)
	require.NoError(t, err)
	return c
}

const base = "app@tcp(127.0.0.1:3306)/app?timeout=2s&sql_mode=%27ANSI%27"

func TestConfigure(t *testing.T) {
	on := func(c keepalive.Config) keepalive.State { return keepalive.State{Enabled: true, Config: c} }
	for _, tc := range []struct {
		name  string
		param string
		cfg   keepalive.Config
		want  keepalive.State
	}{
		{"from code", "", keepalive.Within(5 * time.Second), on(keepalive.Within(5 * time.Second))},
		{"zero Config: Go's default, as the driver alone", "", keepalive.Config{}, on(keepalive.Config{Idle: 15 * time.Second, Interval: 15 * time.Second, Count: 9})},
		{"from the DSN", "&keepalive=idle=30s,interval=5s,count=3,user-timeout=45s", keepalive.Config{},
			on(keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second})},
		{"escaped in the DSN", "&keepalive=idle%3D30s%2Ccount%3D3", keepalive.Config{},
			on(keepalive.Config{Idle: 30 * time.Second, Interval: 15 * time.Second, Count: 3})},
		{"the DSN wins over the code, whole", "&keepalive=count=4", keepalive.Within(5 * time.Second),
			on(keepalive.Config{Idle: 15 * time.Second, Interval: 15 * time.Second, Count: 4})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := parse(t, base+tc.param)
			require.NoError(t, keepalivemysql.Configure(c, tc.cfg))
			assert.Equal(t, map[string]string{"sql_mode": "'ANSI'"}, c.Params, "the keepalive parameter must not reach the server")
			assert.Equal(t, 2*time.Second, c.Timeout)
			assert.Equal(t, tc.want, dialState(t, c))
		})
	}
}

// The driver sends unknown DSN parameters to the server as system
// variables: the trap Configure takes the parameter out of.
func TestDriverKeepsUnknownParams(t *testing.T) {
	c := parse(t, base+"&keepalive=idle=30s")
	assert.Equal(t, "idle=30s", c.Params["keepalive"])
}

func TestConfigureBadValue(t *testing.T) {
	for _, tc := range []struct {
		name, param string
		cfg         keepalive.Config
		field       string // the *keepalive.ConfigError's, "" for a syntax error
		err         string // the whole text: one prefix, on every path
	}{
		{"count above Linux's limit", "&keepalive=count=500", keepalive.Config{}, "Count", `keepalive: invalid Count 500: outside 1–127, the range of TCP_KEEPCNT on linux (the DSN's keepalive parameter "count=500")`},
		{"not a duration", "&keepalive=idle=soon", keepalive.Config{}, "", `keepalive: idle="soon": time: invalid duration "soon" (the DSN's keepalive parameter "idle=soon")`},
		{"empty", "&keepalive=", keepalive.Within(5 * time.Second), "", `keepalive: empty value: give idle=…,interval=…,count=…,user-timeout=…, or leave the parameter out for the Config from code (the DSN's keepalive parameter "")`},
		{"blank", "&keepalive=%20", keepalive.Within(5 * time.Second), "", `keepalive: empty value: give idle=…,interval=…,count=…,user-timeout=…, or leave the parameter out for the Config from code (the DSN's keepalive parameter " ")`},
		{"a Config from code", "", keepalive.Config{Count: 500}, "Count", "keepalive: invalid Count 500: outside 1–127, the range of TCP_KEEPCNT on linux"},
		{"a Config from code, the DSN's deciding", "&keepalive=count=3", keepalive.Config{Count: 500}, "Count", "keepalive: invalid Count 500: outside 1–127, the range of TCP_KEEPCNT on linux"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if runtime.GOOS != "linux" {
				t.Skip("Linux's limits")
			}
			c := parse(t, base+tc.param)
			before := *c
			err := keepalivemysql.Configure(c, tc.cfg)
			require.Error(t, err)
			assert.EqualError(t, err, tc.err)
			var ce *keepalive.ConfigError
			if tc.field != "" {
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tc.field, ce.Field)
			}
			assert.Nil(t, c.DialFunc, "c is left as it was")
			assert.Equal(t, before.Params, c.Params)
		})
	}
}

func TestConfigureOwnDialFunc(t *testing.T) {
	c := parse(t, base)
	var used bool
	c.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		used = true
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	cfg := keepalive.Within(7 * time.Second)
	require.NoError(t, keepalivemysql.Configure(c, cfg))
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, dialState(t, c))
	assert.True(t, used)

	// A connection that cannot take cfg fails the dial, closed.
	c = parse(t, base)
	var server net.Conn
	c.DialFunc = func(context.Context, string, string) (net.Conn, error) {
		client, s := net.Pipe()
		server = s
		return client, nil
	}
	require.NoError(t, keepalivemysql.Configure(c, cfg))
	_, err := c.DialFunc(context.Background(), "tcp", "127.0.0.1:9")
	require.Error(t, err)
	_, err = server.Write([]byte{0})
	assert.ErrorIs(t, err, io.ErrClosedPipe, "the connection is closed")
}

func TestConfigureRegisteredNetwork(t *testing.T) {
	c := parse(t, "app@cloudsql(project:region:db)/app")
	err := keepalivemysql.Configure(c, keepalive.Config{})
	assert.ErrorContains(t, err, `network "cloudsql"`)
	assert.Nil(t, c.DialFunc)
}

func TestConfigureDialHonoursContext(t *testing.T) {
	c := parse(t, base)
	require.NoError(t, keepalivemysql.Configure(c, keepalive.Config{}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.DialFunc(ctx, "tcp", "127.0.0.1:9")
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)
}

func TestNewConnector(t *testing.T) {
	_, err := keepalivemysql.NewConnector(base+"&keepalive=count=500", keepalive.Config{})
	var ce *keepalive.ConfigError
	require.ErrorAs(t, err, &ce)
	_, err = keepalivemysql.NewConnector(base+"&keepalive=count=3", keepalive.Config{})
	assert.NoError(t, err)
}

// Configure takes the keepalive parameter out of c: a second call would
// put the code's Config over the DSN's.
func TestConfigureTwice(t *testing.T) {
	c := parse(t, base+"&keepalive=idle=30s")
	require.NoError(t, keepalivemysql.Configure(c, keepalive.Within(5*time.Second)))
	assert.ErrorContains(t, keepalivemysql.Configure(c, keepalive.Within(5*time.Second)), "already called")
	_, err := keepalivemysql.NewConnectorConfig(c, keepalive.Within(5*time.Second))
	assert.ErrorContains(t, err, "already called")
	assert.Equal(t, 30*time.Second, dialState(t, c).Config.Idle, "the DSN's Config")
}

func TestEffective(t *testing.T) {
	code := keepalive.Within(5 * time.Second)
	for _, tc := range []struct {
		name, param string
		want        keepalive.Config
		err         string
	}{
		{"from code", "", code, ""},
		{"the DSN wins", "&keepalive=idle=30s,count=3", keepalive.Config{Idle: 30 * time.Second, Count: 3}, ""},
		{"empty", "&keepalive=", keepalive.Config{}, `keepalive: empty value: give idle=…,interval=…,count=…,user-timeout=…, or leave the parameter out for the Config from code (the DSN's keepalive parameter "")`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := keepalivemysql.Effective(base+tc.param, code)
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			// What a connection gets, read back from the kernel.
			c := parse(t, base+tc.param)
			require.NoError(t, keepalivemysql.Configure(c, code))
			st := dialState(t, c)
			if got.Interval == 0 {
				got.Interval = 15 * time.Second // Go's default for a zero field
			}
			assert.Equal(t, got, st.Config)
		})
	}
}

// A server whose side resets the connection: the driver returns its
// stand-in for the socket's error; through NewConnector the error still
// matches it, and keepalive.IsPeerGone recognises it. The driver alone
// loses the cause.
func TestPeerGoneError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	dialed := make(chan struct{}, 1)
	defer keepalivemysql.SetDialed(func(net.Conn) { dialed <- struct{}{} })()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		// Once the client's dial has returned, close with a reset: the
		// driver's first read, of the server's greeting, fails.
		<-dialed
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}()
	dsn := "app@tcp(" + ln.Addr().String() + ")/app?timeout=2s"
	c, err := keepalivemysql.NewConnector(dsn, keepalive.Within(5*time.Second))
	require.NoError(t, err)
	db := sql.OpenDB(c)
	err = db.Ping()
	db.Close()
	require.Error(t, err)
	assert.True(t, keepalive.IsPeerGone(err), "keepalive.IsPeerGone(%v)", err)
	assert.True(t, errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, driver.ErrBadConn), "the driver's error: %v", err)
	assert.ErrorIs(t, err, syscall.ECONNRESET)

	<-done

	// The driver alone, dialing with a plain net.Dialer: the same reset,
	// and the error no longer says why.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	done = make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		<-dialed
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
	}()
	mc, err := mysql.ParseDSN("app@tcp(" + ln.Addr().String() + ")/app?timeout=2s")
	require.NoError(t, err)
	mc.Logger = nopLogger{}
	mc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, network, addr)
		if err == nil {
			dialed <- struct{}{}
		}
		return c, err
	}
	alone, err := mysql.NewConnector(mc)
	require.NoError(t, err)
	db = sql.OpenDB(alone)
	err = db.Ping()
	db.Close()
	require.Error(t, err)
	assert.False(t, keepalive.IsPeerGone(err), "the driver alone: %v", err)
	<-done
}

type nopLogger struct{}

func (nopLogger) Print(...any) {}

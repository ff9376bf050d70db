package keepaliveredis_test

import (
	"context"
	"io"
	"net"
	"os/exec"
	"reflect"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveredis"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func TestMain(m *testing.M) {
	netns.Play(calls, nil)
	goleak.VerifyTestMain(netns.Summarised{M: m})
}

var cfg = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}

// TestDialer: the socket go-redis gets carries the Config, read back from
// the kernel, over a plain loopback listener.
func TestDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	conn, err := mustDialer(t, cfg)(context.Background(), "tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	st, err := keepalive.Get(conn)
	require.NoError(t, err)
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
}

// mustDialer is Dialer(cfg, time.Second, nil), which must take cfg.
func mustDialer(t *testing.T, cfg keepalive.Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
	t.Helper()
	dial, err := keepaliveredis.Dialer(cfg, time.Second, nil)
	require.NoError(t, err)
	return dial
}

// redisServer returns the path of redis-server, or fails (CI) or skips
// the test without it.
func redisServer(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		netns.Missing(t, "redis-server", "redis-server")
	}
	return path
}

// TestConfigure: a real redis-server on loopback; every connection the
// client opens carries the Config.
func TestConfigure(t *testing.T) {
	o := &redis.Options{Addr: loopbackRedis(t)}
	require.NoError(t, keepaliveredis.Configure(o, cfg))
	var conns []net.Conn
	dial := o.Dialer
	o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err == nil {
			conns = append(conns, c)
		}
		return c, err
	}
	c := redis.NewClient(o)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for c.Ping(ctx).Err() != nil {
		require.NoError(t, ctx.Err(), "redis-server did not answer")
		time.Sleep(50 * time.Millisecond)
	}
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	require.NotEmpty(t, conns)
	for _, conn := range conns {
		st, err := keepalive.Get(conn)
		if err != nil {
			continue // a connection of a failed Ping, closed
		}
		assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
	}
}

// TestPeerGoneSticks: after the kernel reports the peer gone (here a
// reset), every later Read reports it too, not io.EOF.
func TestPeerGoneSticks(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	conn, err := mustDialer(t, cfg)(context.Background(), "tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	peer, err := ln.Accept()
	require.NoError(t, err)
	require.NoError(t, peer.(*net.TCPConn).SetLinger(0))
	require.NoError(t, peer.Close()) // RST
	buf := make([]byte, 1)
	_, first := conn.Read(buf)
	require.True(t, keepalive.IsPeerGone(first), "%v", first)
	_, second := conn.Read(buf)
	assert.Equal(t, first, second)
}

// loopbackRedis starts redis-server on loopback until the test ends and
// returns its address.
func loopbackRedis(t *testing.T) string {
	t.Helper()
	path := redisServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := exec.Command(path, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	require.NoError(t, srv.Start())
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for c.Ping(ctx).Err() != nil {
		require.NoError(t, ctx.Err(), "redis-server did not answer")
		time.Sleep(50 * time.Millisecond)
	}
	return addr
}

// TestConfigureRefusesInvalidConfig: an invalid Config, or a nil Options,
// is an error at once, naming the field and the limit, and o is left
// alone; Dialer likewise.
func TestConfigureRefusesInvalidConfig(t *testing.T) {
	bad := keepalive.Config{Count: 500}
	want := bad.Validate()
	require.Error(t, want, "Count 500 must be invalid for this test to prove anything")
	o := &redis.Options{Addr: "127.0.0.1:1"}
	err := keepaliveredis.Configure(o, bad)
	assert.EqualError(t, err, want.Error())
	assert.Contains(t, err.Error(), "Count 500")
	assert.Equal(t, &redis.Options{Addr: "127.0.0.1:1"}, o, "o is left alone")

	err = keepaliveredis.Configure(nil, cfg)
	assert.ErrorContains(t, err, "nil *redis.Options")

	dial, err := keepaliveredis.Dialer(bad, time.Second, nil)
	assert.Nil(t, dial)
	assert.EqualError(t, err, want.Error())
}

// TestConfigureBoundsRetries: the retry and timeout fields left zero are
// set so that each of two attempts ends within the Config's bound; the
// fields given are kept. TestIntegrationVanishedHost measures the result.
func TestConfigureBoundsRetries(t *testing.T) {
	within10 := keepalive.Within(10 * time.Second) // Timeout 8s: go-redis's 5s stays
	within3 := keepalive.Within(3 * time.Second)   // Timeout 2s: below go-redis's 5s
	for _, tt := range []struct {
		name string
		cfg  keepalive.Config
		in   redis.Options
		want redis.Options
	}{
		{"defaults", within10, redis.Options{},
			redis.Options{MaxRetries: 1, MinRetryBackoff: -1, DialerRetries: 1, DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second}},
		{"short bound", within3, redis.Options{},
			redis.Options{MaxRetries: 1, MinRetryBackoff: -1, DialerRetries: 1, DialTimeout: within3.Timeout(), ReadTimeout: within3.Timeout()}},
		{"set by the user", within3,
			redis.Options{MaxRetries: 5, DialerRetries: 3, DialTimeout: time.Minute, ReadTimeout: -1, WriteTimeout: time.Second},
			redis.Options{MaxRetries: 5, DialerRetries: 3, DialTimeout: time.Minute, ReadTimeout: -1, WriteTimeout: time.Second}},
		{"retries off, backoff given", within10, redis.Options{MaxRetries: -1, MinRetryBackoff: time.Second, DialerRetries: -1},
			redis.Options{MaxRetries: -1, MinRetryBackoff: time.Second, DialerRetries: 1, DialTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.in
			require.NoError(t, keepaliveredis.Configure(&o, tt.cfg))
			require.NotNil(t, o.Dialer)
			o.Dialer = nil
			assert.Equal(t, tt.want, o)
		})
	}
}

// TestConfigureOwnDialer: a Dialer of the caller's own is kept: it dials,
// and cfg is set on what it returns, read back from the kernel; dial
// options cannot reach it, and are refused with o left alone.
func TestConfigureOwnDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	used := 0
	own := func(ctx context.Context, network, addr string) (net.Conn, error) {
		used++
		d := net.Dialer{KeepAlive: -1}
		return d.DialContext(ctx, network, addr)
	}

	o := &redis.Options{Dialer: own}
	require.NoError(t, keepaliveredis.Configure(o, cfg))
	conn, err := o.Dialer(context.Background(), "tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	assert.Equal(t, 1, used, "the caller's Dialer dials")
	st, err := keepalive.Get(conn)
	require.NoError(t, err)
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
	_, ok := conn.(syscall.Conn)
	assert.True(t, ok, "go-redis's pool check still reaches the socket")

	// A connection that cannot take cfg fails the dial, closed.
	var server net.Conn
	o = &redis.Options{Dialer: func(context.Context, string, string) (net.Conn, error) {
		client, s := net.Pipe()
		server = s
		return client, nil
	}}
	require.NoError(t, keepaliveredis.Configure(o, cfg))
	_, err = o.Dialer(context.Background(), "tcp", "127.0.0.1:9")
	require.Error(t, err)
	_, err = server.Write([]byte{0})
	assert.ErrorIs(t, err, io.ErrClosedPipe, "the connection is closed")

	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	o = &redis.Options{Dialer: own}
	err = keepaliveredis.Configure(o, cfg, keepalive.WithTracker(tr))
	assert.ErrorContains(t, err, "cannot give dial options")
	assert.Equal(t, reflect.ValueOf(own).Pointer(), reflect.ValueOf(o.Dialer).Pointer(), "Dialer changed")
	assert.Zero(t, o.MaxRetries, "o is left alone")

	// Configure's own Dialer, from an earlier call, is replaced.
	o = &redis.Options{}
	require.NoError(t, keepaliveredis.Configure(o, keepalive.Config{}))
	require.NoError(t, keepaliveredis.Configure(o, cfg, keepalive.WithTracker(tr)))
	conn2, err := o.Dialer(context.Background(), "tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn2.Close()
	st, err = keepalive.Get(conn2)
	require.NoError(t, err)
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
}

package keepaliveredis_test

import (
	"context"
	"net"
	"os/exec"
	"strconv"
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
	netns.RunCalls(calls, nil)
	goleak.VerifyTestMain(netns.Summarised{M: m})
}

var cfg = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}

// TestDialer: the socket go-redis gets carries the Config, read back from
// the kernel, over a plain loopback listener.
func TestDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	conn, err := keepaliveredis.Dialer(cfg, time.Second, nil)(context.Background(), "tcp", ln.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	st, err := keepalive.Get(conn)
	require.NoError(t, err)
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
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

// TestOptions: a real redis-server on loopback; every connection the
// client opens carries the Config.
func TestOptions(t *testing.T) {
	o := keepaliveredis.Options(&redis.Options{Addr: loopbackRedis(t)}, cfg)
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
	conn, err := keepaliveredis.Dialer(cfg, time.Second, nil)(context.Background(), "tcp", ln.Addr().String())
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

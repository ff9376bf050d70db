package keepaliveredis_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveredis"
	"github.com/tcpkeepalive/keepalive/internal/tracktest"
)

// TestTracker: keepalive.WithTracker given to Configure tracks the
// connections go-redis dials, with their peer, and go-redis's pool check
// of an idle connection is counted for them (a real redis-server on
// loopback); Dialer takes it alike.
func TestTracker(t *testing.T) {
	addr := loopbackRedis(t)
	peer, err := net.ResolveTCPAddr("tcp", addr)
	require.NoError(t, err)
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	o := &redis.Options{Addr: addr, PoolSize: 1}
	require.NoError(t, keepaliveredis.Configure(o, cfg, keepalive.WithTracker(tr)))
	c := redis.NewClient(o)
	defer c.Close()
	ctx := context.Background()
	for range 2 { // dialed, then taken from the pool and checked
		require.NoError(t, c.Ping(ctx).Err())
	}
	tracktest.Kept(t, tr, peer, cfg.Timeout())
	require.NoError(t, c.Close())

	dial, err := keepaliveredis.Dialer(cfg, time.Second, nil, keepalive.WithTracker(tr))
	require.NoError(t, err)
	conn, err := dial(ctx, "tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	assert.Equal(t, conn.LocalAddr().String(), tracktest.Reading(t, tr, peer).LocalAddr.String())
}

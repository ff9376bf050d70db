package keepalivepgx_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
)

// The hooks CheckBeforeAcquire wraps still decide for a connection
// Check cannot judge (here none at all: the pool would never pass nil).
// TestIntegrationPoolCheck runs the hook against a real server.
func TestCheckBeforeAcquireChains(t *testing.T) {
	ctx := context.Background()
	idle := func(d time.Duration) pgxpool.ShouldPingParams { return pgxpool.ShouldPingParams{IdleDuration: d} }

	pc, err := keepalivepgx.ParsePoolConfig(base, keepalive.Config{})
	require.NoError(t, err)
	keepalivepgx.CheckBeforeAcquire(pc)
	assert.True(t, pc.ShouldPing(ctx, idle(2*time.Second)), "pgxpool's default: ping a connection idle more than 1s")
	assert.False(t, pc.ShouldPing(ctx, idle(time.Second)))
	ok, err := pc.PrepareConn(ctx, nil)
	assert.True(t, ok)
	assert.NoError(t, err)

	pc, err = keepalivepgx.ParsePoolConfig(base, keepalive.Config{})
	require.NoError(t, err)
	var pinged, before int
	pc.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { pinged++; return true }
	//lint:ignore SA1019 the deprecated hook must keep working
	pc.BeforeAcquire = func(context.Context, *pgx.Conn) bool { before++; return false }
	keepalivepgx.CheckBeforeAcquire(pc)
	assert.True(t, pc.ShouldPing(ctx, idle(0)))
	ok, err = pc.PrepareConn(ctx, nil)
	assert.False(t, ok, "BeforeAcquire's verdict")
	assert.NoError(t, err)
	assert.Equal(t, 1, pinged)
	assert.Equal(t, 1, before)
}

package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

func TestFromConnString(t *testing.T) {
	cc, cfg, err := FromConnString("postgres://app@127.0.0.1:5432/app?keepalives=1&keepalives_idle=30&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=45000&application_name=x")
	require.NoError(t, err)
	assert.Equal(t, keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}, cfg)
	assert.Equal(t, map[string]string{"application_name": "x"}, cc.RuntimeParams, "libpq's keep-alive keys must not reach the server")

	_, _, err = FromConnString("postgres://app@127.0.0.1/app?keepalives_count=500")
	assert.ErrorContains(t, err, "invalid Count 500")
}

// TestDialFunc: pgx dials through the configured DialFunc. The listener
// is no PostgreSQL server, so the connection fails after the dial; the
// socket pgx got is checked on the listener's side, whose peer it is.
func TestDialFunc(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	cc, cfg, err := FromConnString("postgres://app@" + ln.Addr().String() + "/app?sslmode=disable&connect_timeout=5&keepalives_idle=30&keepalives_interval=5&keepalives_count=3&tcp_user_timeout=45000")
	require.NoError(t, err)
	dialed := make(chan net.Conn, 1)
	dial := cc.DialFunc
	cc.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err == nil {
			dialed <- c
		}
		return c, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := pgx.ConnectConfig(ctx, cc)
		done <- err
	}()
	c := <-dialed
	st, err := keepalive.Get(c)
	require.NoError(t, err)
	assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
	(<-accepted).Close()
	cancel()
	assert.Error(t, <-done)
}

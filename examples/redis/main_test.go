package main

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// redisServer starts a real redis-server on a free loopback port, stopped
// at the end of the test.
func redisServer(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("skipping: needs redis-server (apt-get install redis-server); CI installs it")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 10*time.Second, 20*time.Millisecond, "redis-server did not start")
	return addr
}

func TestPing(t *testing.T) {
	addr := redisServer(t)
	cfg := keepalive.Within(10 * time.Second)
	conns := make(chan net.Conn, 8)
	client := newClient(addr, cfg, func(c net.Conn) { conns <- c })
	defer client.Close()
	pong, err := client.Ping(context.Background()).Result()
	require.NoError(t, err)
	assert.Equal(t, "PONG", pong)
	st, err := keepalive.Get(<-conns)
	require.NoError(t, err)
	assert.True(t, st.Enabled)
	assert.Equal(t, cfg, st.Config)
}

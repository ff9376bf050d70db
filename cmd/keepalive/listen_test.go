package main

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListen(t *testing.T) {
	needLinux(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-config", "idle=11s,user-timeout=3s"}, &out, &out)
	}()
	c, err := net.Dial("tcp", listeningOn(t, &out))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "accepted") }, 5*time.Second, 10*time.Millisecond)
	c.Close()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "closed by the peer (EOF)") }, 5*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, out.String(), "keep-alive on idle=11s,interval=15s,count=9,user-timeout=3s")
}

// startListen runs -listen on loopback and returns its address.
func startListen(t *testing.T, out *syncBuffer) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-listen", "127.0.0.1:0"}, out, out) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done)
	})
	return listeningOn(t, out)
}

// listeningOn waits for -listen's "listening on" line in out and
// returns the address it names.
func listeningOn(t *testing.T, out *syncBuffer) string {
	t.Helper()
	var addr string
	require.Eventually(t, func() bool {
		_, rest, ok := strings.Cut(out.String(), "listening on ")
		addr = strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0])
		return ok
	}, 5*time.Second, 10*time.Millisecond)
	return addr
}

// TestListenProbeProtocol: -listen echoes only connections that open
// with the probe's hello, and turns keep-alive off on them; others are
// read and discarded as before.
func TestListenProbeProtocol(t *testing.T) {
	needLinux(t)
	var server syncBuffer
	addr := startListen(t, &server)
	t.Run("probe", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		_, err = c.Write([]byte(findHello + "5\nping\n"))
		require.NoError(t, err)
		run, err := readOK(c)
		require.NoError(t, err)
		assert.Len(t, run, 16, "the -listen run's id")
		buf := make([]byte, len("ping\n"))
		_, err = io.ReadFull(c, buf)
		require.NoError(t, err)
		assert.Equal(t, "ping\n", string(buf))
	})
	t.Run("other", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer c.Close()
		c.SetDeadline(time.Now().Add(300 * time.Millisecond))
		_, err = c.Write([]byte("keepalive something else\n"))
		require.NoError(t, err)
		n, err := c.Read(make([]byte, 64))
		assert.Zero(t, n)
		assert.ErrorIs(t, err, os.ErrDeadlineExceeded, "nothing comes back")
	})
}

// runListen runs -listen on addr until stop is called, and waits for it
// to listen.
func runListen(t *testing.T, addr string, out *syncBuffer) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-listen", addr}, out, out) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			assert.NoError(t, <-done)
		})
	}
	t.Cleanup(stop)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "listening") }, 5*time.Second, 10*time.Millisecond)
	return stop
}

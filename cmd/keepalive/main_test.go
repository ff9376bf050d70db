package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// TestMain prints which integration tests ran and which skipped.
func TestMain(m *testing.M) {
	os.Exit(netns.Summarised{M: m}.Run())
}

func needLinux(t *testing.T) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("skipping: reading settings back needs Linux for now")
	}
}

// syncBuffer is a bytes.Buffer safe to read while run writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// events parses -json output.
func events(t *testing.T, out string) []map[string]any {
	t.Helper()
	var evs []map[string]any
	s := bufio.NewScanner(strings.NewReader(out))
	for s.Scan() {
		var ev map[string]any
		require.NoError(t, json.Unmarshal(s.Bytes(), &ev), s.Text())
		evs = append(evs, ev)
	}
	return evs
}

func TestLoopbackDemo(t *testing.T) {
	needLinux(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-config", "idle=37s,interval=7s,count=4,user-timeout=12345ms"}, &out, &out))
	s := out.String()
	assert.Contains(t, s, "a dead idle peer is noticed 44s after the last packet received from it")
	assert.Contains(t, s, "warning   keepalive: UserTimeout 12.345s overrides Count 4")
	assert.Equal(t, 2, strings.Count(s, "keep-alive on idle=37s,interval=7s,count=4,user-timeout=12.345s"), s)
	assert.Contains(t, s, "dialed")
	assert.Contains(t, s, "accepted")
}

func TestJSON(t *testing.T) {
	needLinux(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-json", "-config", "idle=9s"}, &out, &out))
	evs := events(t, out.String())
	require.Len(t, evs, 3)
	assert.Equal(t, "config", evs[0]["event"])
	for _, ev := range evs[1:] {
		assert.Equal(t, true, ev["keepalive"])
		assert.Equal(t, "idle=9s,interval=15s,count=9", ev["config"])
	}
}

func TestSystem(t *testing.T) {
	needLinux(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-system"}, &out, &out))
	assert.Contains(t, out.String(), "a dead idle peer is noticed after")
	assert.Contains(t, out.String(), "tcp_retries2 = ")
}

// peer accepts on loopback and hands each connection to handle.
func peer(t *testing.T, handle func(net.Conn)) string {
	t.Helper()
	return sockettest.Serve(t, handle)
}

func TestConnect(t *testing.T) {
	needLinux(t)
	addr := peer(t, func(net.Conn) {})
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-connect", addr, "-config", "idle=9s"}, &out, &out))
	assert.Contains(t, out.String(), "keep-alive on idle=9s,interval=15s,count=9")
}

func TestHold(t *testing.T) {
	needLinux(t)
	t.Run("held to the end, pinging", func(t *testing.T) {
		got := make(chan int, 1)
		addr := peer(t, func(c net.Conn) {
			n, _ := io.Copy(io.Discard, c)
			got <- int(n)
		})
		var out bytes.Buffer
		err := run(context.Background(), []string{"-json", "-connect", addr, "-hold", "1s", "-every", "300ms", "-ping", "200ms"}, &out, &out)
		require.NoError(t, err)
		evs := events(t, out.String())
		last := evs[len(evs)-1]
		assert.Equal(t, "summary", last["event"])
		assert.Equal(t, "still open", last["outcome"])
		assert.Greater(t, last["sent"], float64(0))
		var alive int
		for _, ev := range evs {
			if ev["event"] == "alive" {
				alive++
			}
		}
		assert.GreaterOrEqual(t, alive, 2)
	})
	t.Run("closed by the peer", func(t *testing.T) {
		addr := peer(t, func(c net.Conn) { time.Sleep(200 * time.Millisecond) })
		var out bytes.Buffer
		err := run(context.Background(), []string{"-connect", addr, "-hold", "10s"}, &out, &out)
		require.ErrorIs(t, err, errDied)
		assert.Contains(t, out.String(), "closed by the peer (EOF) after")
	})
	t.Run("interrupted", func(t *testing.T) {
		addr := peer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		var out bytes.Buffer
		require.NoError(t, run(ctx, []string{"-connect", addr, "-hold", "1m"}, &out, &out))
		assert.Contains(t, out.String(), "interrupted, still open after")
	})
}

func TestListen(t *testing.T) {
	needLinux(t)
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-listen", "127.0.0.1:0", "-config", "idle=11s,user-timeout=3s"}, &out, &out)
	}()
	var addr string
	require.Eventually(t, func() bool {
		_, rest, ok := strings.Cut(out.String(), "listening on ")
		addr = strings.TrimSpace(strings.SplitN(rest, "\n", 2)[0])
		return ok
	}, 5*time.Second, 10*time.Millisecond)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "accepted") }, 5*time.Second, 10*time.Millisecond)
	c.Close()
	require.Eventually(t, func() bool { return strings.Contains(out.String(), "closed by the peer (EOF)") }, 5*time.Second, 10*time.Millisecond)
	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, out.String(), "keep-alive on idle=11s,interval=15s,count=9,user-timeout=3s")
}

func TestBadInput(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string
		want string
	}{
		{"bad config", []string{"-config", "count=500"}, "invalid Count 500"},
		{"unknown key", []string{"-config", "idel=1s"}, `unknown key "idel"`},
		{"stray argument", []string{"extra"}, `unexpected argument "extra"`},
		{"both ways", []string{"-connect", "a:1", "-listen", ":0"}, "exclude each other"},
		{"hold without connect", []string{"-hold", "1s"}, "-hold goes with -connect"},
		{"negative ping", []string{"-connect", "a:1", "-ping", "-1s"}, "must not be negative"},
		{"unreachable", []string{"-connect", "127.0.0.1:1"}, "connection refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tt.args, &out, &out)
			require.Error(t, err)
			assert.Contains(t, err.Error()+out.String(), tt.want)
		})
	}
}

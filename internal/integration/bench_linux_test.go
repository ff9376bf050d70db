package integration_test

// The cost of the library against Go's own net.KeepAliveConfig. Timings
// come from benchmarks only; `bash scripts/bench` prints them with the
// syscall counts of TestIntegrationSyscalls side by side.

import (
	"context"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

// goKeepAlive is cfg as Go's own configuration (it has no user timeout).
var goKeepAlive = net.KeepAliveConfig{Enable: true, Idle: cfg.Idle, Interval: cfg.Interval, Count: cfg.Count}

// sink accepts and closes connections until ln is closed.
func sink(tb testing.TB, ln net.Listener) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	tb.Cleanup(func() { ln.Close(); <-done })
}

func benchListen(b *testing.B, lc *net.ListenConfig) net.Listener {
	b.Helper()
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(b, err)
	return ln
}

func BenchmarkDial(b *testing.B) {
	for _, bb := range []struct {
		name string
		d    *net.Dialer
	}{
		{"keepalive", keepalive.NewDialer(keepalive.WithKeepalive(cfg))},
		{"keepalive-no-user-timeout", keepalive.NewDialer(keepalive.WithKeepalive(keepalive.Config{Idle: cfg.Idle, Interval: cfg.Interval, Count: cfg.Count}))},
		{"net.KeepAliveConfig", &net.Dialer{KeepAliveConfig: goKeepAlive}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			ln := benchListen(b, &net.ListenConfig{KeepAlive: -1})
			sink(b, ln)
			addr := ln.Addr().String()
			b.ReportAllocs()
			for b.Loop() {
				c, err := bb.d.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				c.Close()
			}
		})
	}
}

func BenchmarkDialAccept(b *testing.B) {
	for _, bb := range []struct {
		name string
		d    *net.Dialer
		lc   *net.ListenConfig
		wrap bool
	}{
		{"keepalive", keepalive.NewDialer(keepalive.WithKeepalive(cfg)), listenConfig(cfg), false},
		{"keepalive.WrapListener", keepalive.NewDialer(keepalive.WithKeepalive(cfg)), &net.ListenConfig{KeepAlive: -1}, true},
		{"net.KeepAliveConfig", &net.Dialer{KeepAliveConfig: goKeepAlive}, &net.ListenConfig{KeepAliveConfig: goKeepAlive}, false},
	} {
		b.Run(bb.name, func(b *testing.B) {
			ln := benchListen(b, bb.lc)
			defer ln.Close()
			if bb.wrap {
				ln = keepalive.WrapListener(ln, cfg)
			}
			addr := ln.Addr().String()
			b.ReportAllocs()
			for b.Loop() {
				c, err := bb.d.Dial("tcp", addr)
				if err != nil {
					b.Fatal(err)
				}
				a, err := ln.Accept()
				if err != nil {
					b.Fatal(err)
				}
				a.Close()
				c.Close()
			}
		})
	}
}

// benchConn is a connection to a loopback listener with Go's defaults.
func benchConn(b *testing.B) *net.TCPConn {
	b.Helper()
	ln := benchListen(b, &net.ListenConfig{})
	sink(b, ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(b, err)
	b.Cleanup(func() { c.Close() })
	b.ReportAllocs()
	return c.(*net.TCPConn)
}

func BenchmarkSet(b *testing.B) {
	c := benchConn(b)
	for b.Loop() {
		if err := keepalive.Set(c, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGet(b *testing.B) {
	c := benchConn(b)
	for b.Loop() {
		if _, err := keepalive.Get(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSetKeepAliveConfig is Go's own Set, for comparison.
func BenchmarkSetKeepAliveConfig(b *testing.B) {
	c := benchConn(b)
	for b.Loop() {
		if err := c.SetKeepAliveConfig(goKeepAlive); err != nil {
			b.Fatal(err)
		}
	}
}

// rawSink keeps SyscallConn's result alive, as any real use does.
var rawSink syscall.RawConn

// TestAllocs pins the allocation targets: counts, not times, so they
// hold on any machine.
func TestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("skipping: allocation counts mean nothing under the race detector; CI runs this test without it")
	}
	ln := listen(t, &net.ListenConfig{KeepAlive: -1})
	sink(t, ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer c.Close()
	tc := c.(*net.TCPConn)

	syscallConn := testing.AllocsPerRun(100, func() { rawSink, _ = tc.SyscallConn() })
	set := testing.AllocsPerRun(100, func() { keepalive.Set(c, cfg) })
	get := testing.AllocsPerRun(100, func() { keepalive.Get(c) })
	live, _ := pair(t, listen(t, nil), nil) // sink's connections are closed
	require.NoError(t, keepalive.Check(live))
	check := testing.AllocsPerRun(100, func() { keepalive.Check(live) })
	t.Logf("allocs per call: SyscallConn %v, Set %v, Get %v, Check %v", syscallConn, set, get, check)
	assert.LessOrEqual(t, set, syscallConn, "Set allocates more than SyscallConn")
	assert.LessOrEqual(t, get, syscallConn, "Get allocates more than SyscallConn")
	// SyscallConn's, and the TCP_INFO that x/sys returns by pointer.
	assert.LessOrEqual(t, check, syscallConn+1, "Check allocates more than SyscallConn and TCP_INFO")
	assert.LessOrEqual(t, check, 2.0, "Check allocates more than the issue's 2")
	// Closed in order (both FINs): the same, and the *net.OpError.
	closed, peer := pair(t, listen(t, nil), nil)
	require.NoError(t, closed.CloseWrite())
	require.NoError(t, peer.Close())
	deadline := time.Now().Add(5 * time.Second)
	for tcpInfo(t, closed).State != 7 { // TCP_CLOSE
		require.True(t, time.Now().Before(deadline), "the connection never closed")
		time.Sleep(5 * time.Millisecond)
	}
	require.ErrorIs(t, keepalive.Check(closed), io.EOF)
	checkClosed := testing.AllocsPerRun(100, func() { keepalive.Check(closed) })
	t.Logf("allocs per Check on a connection closed in order: %v", checkClosed)
	assert.LessOrEqual(t, checkClosed, check+1, "Check on a closed connection allocates more than on a live one and its error")
	// Reset: each connection's first Check takes its error, so each run
	// checks a connection of its own (AllocsPerRun runs once more first).
	const resets = 21
	var reset [resets]*net.TCPConn
	resetLn := listen(t, nil)
	for i := range reset {
		var peer *net.TCPConn
		reset[i], peer = pair(t, resetLn, nil)
		require.NoError(t, peer.SetLinger(0))
		require.NoError(t, peer.Close())
	}
	for _, c := range reset {
		for tcpInfo(t, c).State != 7 {
			require.True(t, time.Now().Before(deadline.Add(5*time.Second)), "no reset arrived")
			time.Sleep(5 * time.Millisecond)
		}
	}
	next := 0
	checkReset := testing.AllocsPerRun(resets-1, func() {
		if err := keepalive.Check(reset[next]); !keepalive.IsPeerGone(err) {
			t.Errorf("Check on a reset connection: %v", err)
		}
		next++
	})
	t.Logf("allocs per Check on a reset connection: %v", checkReset)
	assert.LessOrEqual(t, checkReset, 4.0, "Check on a reset connection allocates more than the issue's 4")

	// Nothing accepts during a dial's count: connections wait in the
	// listener's backlog, so that no other goroutine allocates meanwhile.
	dial := func(d *net.Dialer) float64 {
		quiet := listen(t, &net.ListenConfig{KeepAlive: -1})
		return testing.AllocsPerRun(50, func() {
			c, err := d.Dial("tcp", quiet.Addr().String())
			if err == nil {
				c.Close()
			}
		})
	}
	noUserTimeout := cfg
	noUserTimeout.UserTimeout = 0
	goes := dial(&net.Dialer{KeepAliveConfig: goKeepAlive})
	ours := dial(keepalive.NewDialer(keepalive.WithKeepalive(noUserTimeout)))
	t.Logf("allocs per dial: WithKeepalive %v, net.Dialer{KeepAliveConfig} %v", ours, goes)
	assert.LessOrEqual(t, ours, goes, "a dial with WithKeepalive allocates more than Go's own")

	// A user timeout needs a hook, and Go allocates to call any hook (a
	// RawConn, the address as a string); the library adds nothing to that.
	noop := func(context.Context, string, string, syscall.RawConn) error { return nil }
	goesWithHook := dial(&net.Dialer{KeepAliveConfig: goKeepAlive, ControlContext: noop})
	oursWithUserTimeout := dial(keepalive.NewDialer(keepalive.WithKeepalive(cfg)))
	t.Logf("allocs per dial with a hook: WithKeepalive (user timeout) %v, net.Dialer{KeepAliveConfig, no-op ControlContext} %v", oursWithUserTimeout, goesWithHook)
	assert.LessOrEqual(t, oursWithUserTimeout, goesWithHook, "the user-timeout hook allocates")
}

// BenchmarkCheck is keepalive.Check on a live connection, beside
// BenchmarkPing, the round trip a pool pays to learn the same.
func BenchmarkCheck(b *testing.B) {
	ln := benchListen(b, &net.ListenConfig{})
	accepted := make(chan net.Conn, 1)
	go func() {
		a, _ := ln.Accept()
		accepted <- a
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(b, err)
	a := <-accepted
	b.Cleanup(func() { c.Close(); ln.Close(); a.Close() })
	b.ReportAllocs()
	for b.Loop() {
		if err := keepalive.Check(c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPing is a 1-byte round trip to an echoing peer over loopback:
// the cheapest ping a pool could send instead of Check.
func BenchmarkPing(b *testing.B) {
	ln := benchListen(b, &net.ListenConfig{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.Copy(c, c)
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(b, err)
	b.Cleanup(func() { c.Close(); ln.Close(); <-done })
	buf := []byte{0}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := io.ReadFull(c, buf); err != nil {
			b.Fatal(err)
		}
	}
}

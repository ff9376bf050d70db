package keepalive_test

import (
	"context"
	"fmt"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// noUserTimeout is the tests' Config without a user timeout: a dial then
// has no Control hook of the library's.
var noUserTimeout = keepalive.Config{Idle: sockettest.Config.Idle, Interval: sockettest.Config.Interval, Count: sockettest.Config.Count}

// TestTrackerAllocs counts the allocations tracking adds to a dial and
// to an accept: counts, not times, so they hold on any machine.
func TestTrackerAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("skipping: allocation counts mean nothing under the race detector (sync.Pool drops items): run it without, as .ci/run's allocation step should")
	}
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	// Nothing accepts during a dial's count: connections wait in the
	// listener's backlog, so that no other goroutine allocates meanwhile.
	dial := func(d *net.Dialer) float64 {
		quiet := listen(t, &net.ListenConfig{KeepAlive: -1})
		return testing.AllocsPerRun(200, func() {
			c, err := d.Dial("tcp", quiet.Addr().String())
			if err == nil {
				c.Close()
			}
		})
	}
	// With a user timeout the library's hook is there already: tracking
	// adds the weak pointer alone.
	plain := dial(keepalive.NewDialer(keepalive.WithKeepalive(sockettest.Config)))
	tracked := dial(keepalive.NewDialer(keepalive.WithKeepalive(sockettest.Config), keepalive.WithTracker(tr)))
	t.Logf("allocs per dial with a user timeout: %v tracked, %v not", tracked, plain)
	assert.LessOrEqual(t, tracked-plain, 1.0)
	// Without one, Go allocates to call the tracking hook as it does for
	// any hook (a RawConn, the address as a string): tracking adds one
	// allocation to that.
	noop := func(context.Context, string, string, syscall.RawConn) error { return nil }
	withHook := dial(&net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: noUserTimeout.Idle, Interval: noUserTimeout.Interval, Count: noUserTimeout.Count}, ControlContext: noop})
	plain = dial(keepalive.NewDialer(keepalive.WithKeepalive(noUserTimeout)))
	tracked = dial(keepalive.NewDialer(keepalive.WithKeepalive(noUserTimeout), keepalive.WithTracker(tr)))
	t.Logf("allocs per dial without a user timeout: %v tracked, %v not, %v with a no-op hook", tracked, plain, withHook)
	assert.LessOrEqual(t, tracked-withHook, 1.0)
	require.NoError(t, tr.Collect(context.Background(), nil))
	accept := func(ln net.Listener) float64 {
		d := &net.Dialer{KeepAlive: -1}
		return testing.AllocsPerRun(1000, func() {
			c, err := d.Dial("tcp", ln.Addr().String())
			require.NoError(t, err)
			a, err := ln.Accept()
			require.NoError(t, err)
			a.Close()
			c.Close()
		})
	}
	plain = accept(listen(t, listenConfig(sockettest.Config)))
	tracked = accept(tr.Listener(listen(t, listenConfig(sockettest.Config))))
	t.Logf("allocs per dial and accept: %v tracked, %v not", tracked, plain)
	assert.LessOrEqual(t, tracked-plain, 1.0, "tracking an accepted connection allocates more than its weak pointer")
}

// TestTrackerAllocsTrack counts what tracking costs a dial that has no
// hook of the library's (a Config without a UserTimeout): Track on the
// dialed connection adds one allocation, where WithTracker's hook adds
// one to what Go allocates to call any dial hook, which it also pins
// (docs/tracking.md gives both).
func TestTrackerAllocsTrack(t *testing.T) {
	if raceEnabled {
		t.Skip("skipping: allocation counts mean nothing under the race detector (sync.Pool drops items): run it without, as .ci/run's allocation step should")
	}
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	quiet := listen(t, &net.ListenConfig{KeepAlive: -1})
	dial := func(d *net.Dialer, network string, track bool) float64 {
		return testing.AllocsPerRun(200, func() {
			c, err := d.Dial(network, quiet.Addr().String())
			if err != nil {
				return
			}
			if track {
				require.NoError(t, tr.Track(c))
			}
			c.Close()
		})
	}
	noop := func(context.Context, string, string, syscall.RawConn) error { return nil }
	for _, c := range []struct {
		network string
		goHook  float64 // what Go allocates to call a dial hook
	}{
		// The RawConn, the address's IP and port as strings and joined,
		// and "tcp"+"4" for the hook's network.
		{network: "tcp", goHook: 5},
		{network: "tcp4", goHook: 4},
	} {
		t.Run(c.network, func(t *testing.T) {
			plain := dial(keepalive.NewDialer(keepalive.WithKeepalive(noUserTimeout)), c.network, false)
			withHook := dial(&net.Dialer{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: noUserTimeout.Idle, Interval: noUserTimeout.Interval, Count: noUserTimeout.Count}, ControlContext: noop}, c.network, false)
			hooked := dial(keepalive.NewDialer(keepalive.WithKeepalive(noUserTimeout), keepalive.WithTracker(tr)), c.network, false)
			tracked := dial(keepalive.NewDialer(keepalive.WithKeepalive(noUserTimeout)), c.network, true)
			t.Logf("allocs per dial: %v untracked, %v with a no-op hook, %v with WithTracker, %v with Track", plain, withHook, hooked, tracked)
			assert.LessOrEqual(t, tracked-plain, 1.0, "Track on a dialed connection allocates more than its weak pointer")
			assert.Equal(t, c.goHook, withHook-plain, "Go's cost to call a dial hook changed: update docs/tracking.md")
			assert.LessOrEqual(t, hooked-withHook, 1.0)
		})
	}
	require.NoError(t, tr.Collect(context.Background(), nil))
}

func BenchmarkTrackerDial(b *testing.B) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	for _, c := range []keepalive.Config{sockettest.Config, noUserTimeout} {
		for _, track := range []bool{false, true} {
			opts := []keepalive.DialOption{keepalive.WithKeepalive(c)}
			if track {
				opts = append(opts, keepalive.WithTracker(tr))
			}
			d := keepalive.NewDialer(opts...)
			b.Run(fmt.Sprintf("user-timeout=%v/tracked=%v", c.UserTimeout, track), func(b *testing.B) {
				ln := listenTB(b, &net.ListenConfig{KeepAlive: -1})
				var wg sync.WaitGroup
				wg.Go(func() {
					for {
						a, err := ln.Accept()
						if err != nil {
							return
						}
						a.Close()
					}
				})
				defer func() { ln.Close(); wg.Wait() }()
				b.ReportAllocs()
				for b.Loop() {
					conn, err := d.Dial("tcp", ln.Addr().String())
					if err != nil {
						b.Fatal(err)
					}
					conn.Close()
				}
			})
		}
	}
}

func BenchmarkTrackerAccept(b *testing.B) {
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	for _, track := range []bool{false, true} {
		b.Run(fmt.Sprintf("tracked=%v", track), func(b *testing.B) {
			ln := listenTB(b, listenConfig(sockettest.Config))
			if track {
				ln = tr.Listener(ln)
			}
			d := &net.Dialer{KeepAlive: -1}
			b.ReportAllocs()
			for b.Loop() {
				c, err := d.Dial("tcp", ln.Addr().String())
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

// BenchmarkTrackerCollect collects n tracked connections (dialed and
// accepted, so n/2 pairs), one descriptor each: the benchmark raises its
// limit, which beyond the hard limit takes CAP_SYS_RESOURCE, and skips
// the sizes it cannot reach.
func BenchmarkTrackerCollect(b *testing.B) {
	for _, n := range []int{1000, 10000, 19000, 100000} {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			if err := raiseFDLimit(b, uint64(n)+1000); err != nil {
				b.Skipf("skipping: %d connections need a higher descriptor limit: %v", n, err)
			}
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			trackPairs(b, tr, n/2)
			ctx := context.Background()
			count := 0
			f := func(*keepalive.Reading) bool { count++; return true }
			require.NoError(b, tr.Collect(ctx, f)) // reads the settings once
			require.Equal(b, n, count)
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				if err := tr.Collect(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
			// On a shared machine the wall clock counts the waits for a
			// core; the process's CPU time (user and system) does not.
			cpu := cpuTime(b) - cpu0
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/conn")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(n), "cpu-ns/conn")
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/collection")
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/collection")
		})
	}
}

// raiseFDLimit raises the process's descriptor limit to at least n
// until tb ends.
func raiseFDLimit(tb testing.TB, n uint64) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return err
	}
	if l.Cur >= n {
		return nil
	}
	raised := syscall.Rlimit{Cur: max(l.Cur, n), Max: max(l.Max, n)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
		return err
	}
	tb.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l) })
	return nil
}

// trackPairs makes n loopback connections tracked at both ends, over
// enough listeners that the ephemeral ports last; closed at the end.
func trackPairs(tb testing.TB, tr *keepalive.Tracker, n int) {
	tb.Helper()
	const perListener = 20000
	d := keepalive.NewDialer(keepalive.WithKeepalive(sockettest.Config), keepalive.WithTracker(tr))
	var conns []net.Conn
	tb.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
	})
	for made := 0; made < n; {
		ln := tr.Listener(listenTB(tb, listenConfig(sockettest.Config)))
		for i := 0; i < perListener && made < n; i++ {
			c, err := d.Dial("tcp", ln.Addr().String())
			require.NoError(tb, err)
			a, err := ln.Accept()
			require.NoError(tb, err)
			conns = append(conns, c, a)
			made++
		}
	}
	deadline := time.Now().Add(time.Minute)
	for tr.Len() != 2*n && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
}

// listenTB is a loopback listener closed at the end, for benchmarks.
func listenTB(tb testing.TB, lc *net.ListenConfig) net.Listener {
	tb.Helper()
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	tb.Cleanup(func() { ln.Close() })
	return ln
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	require.NoError(tb, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

package keepaliveotel_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveotel"
)

// BenchmarkCollect: one collection of a real SDK's ManualReader holding
// the instruments, for conns tracked loopback connections to peers hosts
// (127.0.x.y). ns/conn and cpu-ns/conn are the wall and CPU time per
// tracked connection; allocs/op that does not grow with conns is no
// allocation per connection. Both ends are tracked, one descriptor each,
// so the file limit caps conns; KEEPALIVE_BENCH_CONNS and
// KEEPALIVE_BENCH_PEERS ask for another size (scripts/telemetry-bench).
func BenchmarkCollect(b *testing.B) {
	for _, s := range benchSizes(b) {
		b.Run(fmt.Sprintf("conns=%d,peers=%d", s.conns, s.peers), func(b *testing.B) {
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			benchConns(b, tr, s.conns, s.peers)
			reader := sdkmetric.NewManualReader()
			// Room for every peer's points (docs/telemetry.md, cardinality).
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(10*s.peers+100))
			defer mp.Shutdown(context.Background())
			reg, err := keepaliveotel.Register(tr, mp)
			if err != nil {
				b.Fatal(err)
			}
			defer reg.Unregister()
			var rm metricdata.ResourceMetrics
			b.ReportAllocs()
			cpu0 := cpuTime(b)
			for b.Loop() {
				if err := reader.Collect(context.Background(), &rm); err != nil {
					b.Fatal(err)
				}
			}
			// On a shared machine the wall clock counts the waits for a
			// core; the process's CPU time (user and system) does not.
			cpu := cpuTime(b) - cpu0
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(s.conns), "ns/conn")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(s.conns), "cpu-ns/conn")
		})
	}
}

type benchSize struct{ conns, peers int }

// benchSizes are the default cases and the one the environment asks for.
func benchSizes(b *testing.B) []benchSize {
	sizes := []benchSize{{1000, 1}, {19000, 1}, {19000, 100}}
	if v := os.Getenv("KEEPALIVE_BENCH_CONNS"); v != "" {
		conns, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("KEEPALIVE_BENCH_CONNS: %v", err)
		}
		peers, err := strconv.Atoi(os.Getenv("KEEPALIVE_BENCH_PEERS"))
		if err != nil || peers < 1 || peers > 250*250 {
			peers = 1
		}
		sizes = []benchSize{{conns, peers}}
	}
	return sizes
}

// benchConns makes conns tracked connections over loopback: conns/2
// dialed round-robin to peers listeners on 127.0.x.y (every 127/8
// address is local) and the conns/2 they accept, one descriptor each;
// all closed when the benchmark ends.
func benchConns(b *testing.B, tr *keepalive.Tracker, conns, peers int) {
	b.Helper()
	var mu sync.Mutex
	var all []net.Conn
	var wg sync.WaitGroup
	lns := make([]net.Listener, 0, peers)
	b.Cleanup(func() {
		for _, ln := range lns {
			ln.Close()
		}
		wg.Wait()
		for _, c := range all {
			c.Close()
		}
	})
	for i := range peers {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.%d.%d:0", 1+i/250, 1+i%250))
		if err != nil {
			b.Fatal(err)
		}
		ln = tr.Listener(ln)
		lns = append(lns, ln)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				all = append(all, c)
				mu.Unlock()
			}
		}()
	}
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg), keepalive.WithTracker(tr))
	for i := range conns / 2 {
		c, err := d.Dial("tcp", lns[i%peers].Addr().String())
		if err != nil {
			b.Fatalf("dial %d of %d: %v", i+1, conns/2, err)
		}
		mu.Lock()
		all = append(all, c)
		mu.Unlock()
	}
	// Every end tracked, the accepted ones too, before the clock starts.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		n := 0
		if err := tr.Collect(context.Background(), func(*keepalive.Reading) bool { n++; return true }); err != nil {
			b.Fatal(err)
		}
		if n == conns {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d connections tracked, want %d", n, conns)
		}
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

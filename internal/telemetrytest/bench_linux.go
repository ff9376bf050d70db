package telemetrytest

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

	"github.com/tcpkeepalive/keepalive"
)

// A Size is a benchmark's number of tracked connections, and of the
// peers (127.0.x.y) they go to.
type Size struct{ Conns, Peers int }

// String is the sub-benchmark's name: "conns=1000,peers=1".
func (s Size) String() string { return fmt.Sprintf("conns=%d,peers=%d", s.Conns, s.Peers) }

// Sizes are the benchmarks' default sizes, or the one the environment
// asks for: KEEPALIVE_BENCH_CONNS and KEEPALIVE_BENCH_PEERS
// (scripts/telemetry-bench).
func Sizes(b *testing.B) []Size {
	sizes := []Size{{1000, 1}, {19000, 1}, {19000, 100}}
	if v := os.Getenv("KEEPALIVE_BENCH_CONNS"); v != "" {
		conns, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("KEEPALIVE_BENCH_CONNS: %v", err)
		}
		peers, err := strconv.Atoi(os.Getenv("KEEPALIVE_BENCH_PEERS"))
		if err != nil || peers < 1 || peers > 250*250 {
			peers = 1
		}
		sizes = []Size{{conns, peers}}
	}
	return sizes
}

// Conns makes s.Conns connections configured with cfg and tracked by tr
// over loopback: s.Conns/2 dialed round-robin to s.Peers listeners on
// 127.0.x.y (every 127/8 address is local) and the s.Conns/2 they
// accept, one descriptor each; all closed when the benchmark ends. It
// returns once tr tracks every one.
func Conns(b *testing.B, tr *keepalive.Tracker, cfg keepalive.Config, s Size) {
	b.Helper()
	var mu sync.Mutex
	var all []net.Conn
	var wg sync.WaitGroup
	lns := make([]net.Listener, 0, s.Peers)
	b.Cleanup(func() {
		for _, ln := range lns {
			ln.Close()
		}
		wg.Wait()
		for _, c := range all {
			c.Close()
		}
	})
	for i := range s.Peers {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.%d.%d:0", 1+i/250, 1+i%250))
		if err != nil {
			b.Fatal(err)
		}
		ln = tr.Listener(ln)
		lns = append(lns, ln)
		wg.Go(func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				all = append(all, c)
				mu.Unlock()
			}
		})
	}
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg), keepalive.WithTracker(tr))
	for i := range s.Conns / 2 {
		c, err := d.Dial("tcp", lns[i%s.Peers].Addr().String())
		if err != nil {
			b.Fatalf("dial %d of %d: %v", i+1, s.Conns/2, err)
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
		if n == s.Conns {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d connections tracked, want %d", n, s.Conns)
		}
	}
}

// PerConn runs collect in b.Loop, reporting allocations and the wall
// and CPU time per tracked connection, of conns: ns/conn and
// cpu-ns/conn.
func PerConn(b *testing.B, conns int, collect func() error) {
	b.Helper()
	b.ReportAllocs()
	cpu0 := cpuTime(b)
	for b.Loop() {
		if err := collect(); err != nil {
			b.Fatal(err)
		}
	}
	// On a shared machine the wall clock counts the waits for a core;
	// the process's CPU time (user and system) does not.
	cpu := cpuTime(b) - cpu0
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(conns), "ns/conn")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/float64(conns), "cpu-ns/conn")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

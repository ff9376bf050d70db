package keepalive

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// BenchmarkTrackerCollect100k collects 100,000 entries where a process
// may hold fewer descriptors: every socket of pairs loopback pairs is
// tracked, and the entries are repeated until there are 100,000, so that
// each collection makes 100,000 reads of real sockets. Repeated sockets
// are read warm from the CPU caches, so this is a lower bound of the
// cost of 100,000 distinct connections; BenchmarkTrackerCollect measures
// distinct ones as far as the descriptor limit allows.
func BenchmarkTrackerCollect100k(b *testing.B) {
	const entries = 100000
	var lim unix.Rlimit
	require.NoError(b, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	pairs := min(int(lim.Cur)-1000, entries) / 2
	tr := NewTracker(TrackerOptions{})
	defer tr.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	tracked := tr.Listener(ln)
	d := NewDialer(WithTracker(tr))
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range pairs {
		c, err := d.Dial("tcp", ln.Addr().String())
		require.NoError(b, err)
		a, err := tracked.Accept()
		require.NoError(b, err)
		conns = append(conns, c, a)
	}
	ctx := context.Background()
	require.NoError(b, tr.Collect(ctx, nil)) // settle
	tr.mu.Lock()
	distinct := len(tr.entries)
	for len(tr.entries) < entries {
		tr.entries = append(tr.entries, tr.entries[len(tr.entries)%distinct])
	}
	tr.mu.Unlock()
	n := 0
	f := func(*Reading) bool { n++; return true }
	require.NoError(b, tr.Collect(ctx, f))
	require.Equal(b, entries, n)
	b.ReportAllocs()
	var ru0, ru1 unix.Rusage
	require.NoError(b, unix.Getrusage(unix.RUSAGE_SELF, &ru0))
	for b.Loop() {
		if err := tr.Collect(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
	require.NoError(b, unix.Getrusage(unix.RUSAGE_SELF, &ru1))
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) / time.Duration(b.N)
	b.ReportMetric(float64(distinct), "sockets")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/collection")
	b.ReportMetric(float64(cpu.Microseconds())/1000, "cpu-ms/collection")
}

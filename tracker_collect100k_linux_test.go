package keepalive_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// collectShardEnv makes the test binary, run again by
// TestIntegrationTrackerCollect100k, one of its shards: the number of
// connections it tracks and how many collections it times.
const collectShardEnv = "KEEPALIVE_COLLECT_SHARD"

// collectConnsEnv asks TestIntegrationTrackerCollect100k for another
// number of connections than 100,000 (scripts/telemetry-bench).
const collectConnsEnv = "KEEPALIVE_COLLECT_CONNS"

// TestIntegrationTrackerCollect100k measures collections of 100,000
// separate tracked loopback connections (50,000 pairs, both ends
// tracked), one socket each: in one process and one Tracker where the
// descriptor limit can be raised that far, else in as many processes
// (each with its Tracker, all holding their connections at once) as the
// hard limit requires, which collect one after the other. It logs the
// wall and CPU time of a collection of all 100,000 and checks that a
// collection reads each once and allocates nothing per connection. Figures in
// docs/measurements.md; timings are logged, not asserted.
func TestIntegrationTrackerCollect100k(t *testing.T) {
	netns.Track(t)
	if v := os.Getenv(collectShardEnv); v != "" {
		collectShard(t, v)
		return
	}
	total := 100000
	if raceEnabled {
		// The race detector makes the figures and the allocation count
		// meaningless, and the dials slow: a small run of two processes
		// checks the rest (.ci/run runs it without).
		total = 4000
	}
	if v := os.Getenv(collectConnsEnv); v != "" {
		n, err := strconv.Atoi(v)
		require.NoError(t, err, collectConnsEnv)
		total = n
	}
	perProcess := fdRoom(t, total)
	if raceEnabled {
		perProcess = min(perProcess, total/2)
	}
	shards := (total + perProcess - 1) / perProcess
	exe, err := os.Executable()
	require.NoError(t, err)
	const collections = 10
	type shard struct {
		conns int
		cmd   *exec.Cmd
		in    io.WriteCloser
		out   *bufio.Scanner
	}
	var all []*shard
	defer func() {
		for _, s := range all {
			s.in.Close() // the shard closes its connections and exits
			assert.NoError(t, s.cmd.Wait(), "a shard failed after its collections")
		}
	}()
	pairs := total / 2
	for i := range shards {
		n := 2 * (pairs/shards + boolInt(i < pairs%shards))
		cmd := exec.Command(exe, "-test.run=^TestIntegrationTrackerCollect100k$", "-test.count=1", "-test.timeout=10m")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d:%d", collectShardEnv, n, collections))
		cmd.Stderr = os.Stderr
		in, err := cmd.StdinPipe()
		require.NoError(t, err)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		s := &shard{conns: n, cmd: cmd, in: in, out: bufio.NewScanner(out)}
		all = append(all, s)
		require.Equal(t, "ready", shardLine(t, s.out, "ready"))
	}
	// Every connection is open now, in one process or several; each
	// shard collects in turn, alone on the CPUs.
	var wall, cpu time.Duration
	var mallocs int
	for _, s := range all {
		_, err := io.WriteString(s.in, "go\n")
		require.NoError(t, err)
		var read, allocs int
		var w, c time.Duration
		_, err = fmt.Sscanf(shardLine(t, s.out, "result"), "result %d %d %d %d", &read, &w, &c, &allocs)
		require.NoError(t, err)
		assert.Equal(t, s.conns, read, "connections read by one collection")
		// The process's count: a stray allocation of the runtime or the
		// testing package may fall in; one per connection would be
		// thousands per collection.
		if !raceEnabled {
			assert.Less(t, allocs, collections, "allocations in %d collections of %d connections", collections, s.conns)
		}
		wall, cpu, mallocs = wall+w, cpu+c, mallocs+allocs
	}
	t.Logf("%d separate tracked connections in %d process(es) (at most %d descriptors each; load %s): a collection of all takes %v wall, %v CPU: %.2f µs CPU per connection; %d allocations in all, over %d collections of each process's",
		total, shards, perProcess, loadAverage(), wall.Round(time.Millisecond/10), cpu.Round(time.Millisecond/10),
		float64(cpu.Nanoseconds())/float64(total)/1000, mallocs, collections)
}

// fdRoom returns how many connections one process may hold: total if
// the descriptor limit can be raised that far, else what the hard limit
// leaves, even. The limit is left as it was.
func fdRoom(t *testing.T, total int) int {
	var l syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l))
	need := uint64(total) + 1000
	if l.Max >= need {
		return total
	}
	raised := syscall.Rlimit{Cur: l.Cur, Max: need}
	err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised)
	if err == nil {
		require.NoError(t, syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l))
		return total
	}
	t.Logf("the hard descriptor limit cannot be raised from %d to %d (%v: that takes CAP_SYS_RESOURCE): the connections are split over processes", l.Max, need, err)
	return (int(l.Max) - 1000) &^ 1
}

// shardLine returns the first line of a shard's output that starts with
// prefix, and logs those before it (a failing shard's report).
func shardLine(t *testing.T, out *bufio.Scanner, prefix string) string {
	t.Helper()
	for out.Scan() {
		if strings.HasPrefix(out.Text(), prefix) {
			return out.Text()
		}
		t.Log("shard: " + out.Text())
	}
	require.NoError(t, out.Err())
	t.Fatalf("a shard ended before printing %q", prefix)
	return ""
}

// collectShard is one shard: it tracks its connections, says "ready",
// and on "go" times its collections and prints them; it ends when its
// input does.
func collectShard(t *testing.T, spec string) {
	var conns, collections int
	_, err := fmt.Sscanf(spec, "%d:%d", &conns, &collections)
	require.NoError(t, err, collectShardEnv)
	require.NoError(t, raiseFDLimit(t, uint64(conns)+1000))
	tr := keepalive.NewTracker(keepalive.TrackerOptions{})
	defer tr.Close()
	trackPairs(t, tr, conns/2)
	require.Equal(t, conns, tr.Len())
	ctx := context.Background()
	read := 0
	f := func(*keepalive.Reading) bool { read++; return true }
	require.NoError(t, tr.Collect(ctx, f)) // reads the settings once
	fmt.Println("ready")
	in := bufio.NewScanner(os.Stdin)
	require.True(t, in.Scan(), "no go")
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	cpu0 := cpuTime(t)
	start := time.Now()
	for range collections {
		read = 0
		require.NoError(t, tr.Collect(ctx, f))
	}
	wall := time.Since(start)
	cpu := cpuTime(t) - cpu0
	runtime.ReadMemStats(&m1)
	fmt.Printf("result %d %d %d %d\n", read, wall.Nanoseconds()/int64(collections), cpu.Nanoseconds()/int64(collections), m1.Mallocs-m0.Mallocs)
	io.Copy(io.Discard, os.Stdin)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// loadAverage is the machine's load over the last minute, 5 and 15.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

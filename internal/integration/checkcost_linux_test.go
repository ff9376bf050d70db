package integration_test

// What a suspect costs Check: system calls, counted by strace attached
// to the test's own thread, and allocations, on connections whose peer
// vanished in a network namespace. Run it alone with
//
//	sudo go test -count=1 -v -run TestIntegrationCheckSuspectCost ./internal/integration

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// traceThread runs fn on a thread that strace watches, and returns the
// system calls fn made among getppid (a marker the runtime never calls),
// the %network, file and read/write calls, one line each.
func traceThread(t *testing.T, fn func()) []string {
	t.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := unix.Gettid()
	out := filepath.Join(t.TempDir(), "trace")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "strace", "-qq", "-e", "trace=getppid,%network,%file,read,write,ioctl", "-o", out, "-p", strconv.Itoa(tid))
	require.NoError(t, cmd.Start())
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	// Attached once /proc says this thread is traced.
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := os.ReadFile("/proc/thread-self/status")
		require.NoError(t, err)
		if m := regexp.MustCompile(`(?m)^TracerPid:\s*(\d+)`).FindSubmatch(b); m != nil && string(m[1]) != "0" {
			break
		}
		require.True(t, time.Now().Before(deadline), "strace never attached")
		time.Sleep(10 * time.Millisecond) // the goroutine keeps its locked thread
	}
	syscall.Getppid()
	fn()
	syscall.Getppid()
	require.NoError(t, cmd.Process.Signal(os.Interrupt)) // strace detaches and flushes
	cmd.Wait()
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var calls []string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "getppid("):
			if in {
				return calls
			}
			in, calls = true, []string{}
		case in && regexp.MustCompile(`^\w+\(`).MatchString(line):
			calls = append(calls, line)
		}
	}
	t.Fatalf("markers missing in the trace:\n%s", b)
	return nil
}

// TestIntegrationCheckSuspectCost: Check on a suspect, busy (a
// retransmission unanswered, no user timeout) or idle (one keep-alive
// probe unanswered, then two), makes at most 3 getsockopt calls, reads
// no file, and allocates at most 4 times.
func TestIntegrationCheckSuspectCost(t *testing.T) {
	netns.Track(t)
	if _, err := exec.LookPath("strace"); err != nil {
		netns.Skip(t, "needs strace (apt-get install strace)")
	}
	n := netns.New(t)
	c := keepalive.Config{Idle: 2 * time.Second, Interval: 2 * time.Second, Count: 8}
	busy, _ := nsPair(t, n, keepalive.Config{Idle: time.Hour, Interval: time.Hour, Count: 8}, false)
	// A second connection, on the same path: nsPair's listener is
	// closed, so another port.
	idle := idlePair(t, n, c)
	n.Cut()
	cut := time.Now()
	_, err := busy.Write(make([]byte, 1000))
	require.NoError(t, err)

	measure := func(name string, conn *net.TCPConn, wantCalls int, probes int) {
		t.Helper()
		r := checkUntil(conn, cut, 10*time.Second, func(r *checked) bool {
			return (r.unanswered != nil && tcpInfo(t, conn).Probes == uint8(probes)) || r.gone != nil || r.other != nil
		})
		require.Error(t, r.unanswered, "%s: no ErrUnanswered", name)
		require.NoError(t, r.gone)
		require.NoError(t, r.other)
		const checks = 10
		var errs [checks]error
		calls := traceThread(t, func() {
			for i := range errs {
				errs[i] = keepalive.Check(conn)
			}
		})
		for _, err := range errs {
			require.ErrorIs(t, err, keepalive.ErrUnanswered, "%s", name)
		}
		allocs := -1.0
		if !raceEnabled {
			allocs = testing.AllocsPerRun(20, func() { keepalive.Check(conn) })
		}
		var getsockopt int
		for _, l := range calls {
			if strings.HasPrefix(l, "getsockopt(") {
				getsockopt++
			}
		}
		info := tcpInfo(t, conn)
		t.Logf("%s (probes %d, retransmissions %d): %s getsockopt and %v allocations per Check; %s",
			name, info.Probes, info.Retransmits, strconv.FormatFloat(float64(getsockopt)/checks, 'f', -1, 64), allocs, errs[0])
		assert.Equal(t, wantCalls*checks, getsockopt, "%s: getsockopt calls in %d Checks: %q", name, checks, calls)
		assert.Len(t, calls, getsockopt, "%s: calls other than getsockopt: %q", name, calls)
		if !raceEnabled {
			assert.LessOrEqual(t, allocs, 4.0, "%s", name)
		}
	}
	measure("busy, a retransmission unanswered", busy, 1, 0)
	// Inspect's GivesUpIn on a busy connection without a user timeout
	// needs tcp_retries2 and tcp_rto_max_ms: read once, then not again
	// within a minute.
	_, err = keepalive.Inspect(busy)
	require.NoError(t, err)
	calls := traceThread(t, func() {
		for range 10 {
			keepalive.Inspect(busy)
		}
	})
	var files int
	for _, l := range calls {
		if !strings.HasPrefix(l, "getsockopt(") {
			files++
		}
	}
	t.Logf("Inspect on the busy suspect: %d system calls in 10 calls, %d of them not getsockopt", len(calls), files)
	assert.Zero(t, files, "Inspect read files: %q", calls)
	// One probe out: Check needs Idle and Interval to date it.
	measure("idle, one probe unanswered", idle, 3, 1)
	measure("idle, two probes unanswered", idle, 1, 2)
	require.False(t, errors.Is(keepalive.Check(idle), syscall.ETIMEDOUT))
}

// idlePair is nsPair on port 7779, without the exchange's reply: the
// client dialed with c, one byte each way.
func idlePair(t *testing.T, n *netns.Network, c keepalive.Config) *net.TCPConn {
	t.Helper()
	client, peer := n.Connect(t, c, netns.PeerAddr+":7779", netns.PeerAddr+":7779")
	netns.Exchange(t, client, peer)
	return client
}

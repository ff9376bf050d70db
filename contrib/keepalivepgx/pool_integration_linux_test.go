package keepalivepgx_test

// CheckBeforeAcquire against a real PostgreSQL server, in the
// namespaces of integration_linux_test.go. Run alone with
//
//	sudo go test -count=1 -v -run TestIntegrationPoolCheck .

import (
	"fmt"
	"net"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// uncut undoes netns.Network.Cut: the router forwards again.
func uncut(t *testing.T, n *netns.Network) {
	t.Helper()
	for _, addr := range []string{netns.PeerAddr, netns.ClientAddr} {
		out, err := exec.Command("ip", "-n", n.Router, "route", "del", "blackhole", addr+"/32").CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
}

func TestIntegrationPoolCheck(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	_, restart := n.StartRestartablePostgres(t)
	addr := net.JoinHostPort(netns.PeerAddr, "5432")
	start := func(name string) *netns.Process { return n.StartCall(n.Client, name, addr) }

	// The pings a live server is spared.
	with, without := start("pool-pings"), start("pool-pings-without")
	// pings reads how many pings a call sent and how many connections
	// its pool opened.
	pings := func(p *netns.Process) (pings, conns int) {
		_, err := fmt.Sscan(p.Expect("pings", 30*time.Second), &pings, &conns)
		require.NoError(t, err)
		o, err := p.Outcome(5 * time.Second)
		require.NoError(t, err)
		require.Empty(t, o.Err)
		return pings, conns
	}
	pw, cw := pings(with)
	pwo, cwo := pings(without)
	t.Logf("live server, 3 queries on a connection idle 1.1s: %d pings and %d connection(s) with CheckBeforeAcquire, %d and %d without", pw, cw, pwo, cwo)
	assert.Equal(t, 0, pw)
	assert.Equal(t, 1, cw, "CheckBeforeAcquire destroyed a live connection")
	assert.Equal(t, 3, pwo)

	// acquired reads what a call printed: how long its Exec took and
	// how many pings it sent; want is "error" for a call that must fail
	// (peer gone), "ok" for one that must succeed, "" for a baseline.
	acquired := func(name string, p *netns.Process, want string) (time.Duration, int) {
		var ms, pings int
		_, err := fmt.Sscan(p.Expect("acquired", 30*time.Second), &ms, &pings)
		require.NoError(t, err)
		o, err := p.Outcome(5 * time.Second)
		require.NoError(t, err)
		d := time.Duration(ms) * time.Millisecond
		t.Logf("%s: Exec returned %v after it began, %d pings: %q peer-gone=%v", name, d, pings, o.Err, o.PeerGone)
		switch want {
		case "error":
			assert.NotEmpty(t, o.Err, "%s: no error from a vanished server", name)
			assert.True(t, o.PeerGone, "%s: keepalive.IsPeerGone(%q) = false", name, o.Err)
		case "ok":
			assert.Empty(t, o.Err, "%s: no fresh connection", name)
		}
		return d, pings
	}

	// A backend ended by the server, its FIN arrived: the connection,
	// idle less than a second, is not pinged; pgxpool alone hands it out
	// (pgx v5.12: the query fails with the server's FATAL 57P01).
	with, without = start("pool-terminated"), start("pool-terminated-without")
	var kept, confirmed, discarded, eofDiscards, eofGone, noAnswer int
	counts := func(p *netns.Process) {
		_, err := fmt.Sscan(p.Expect("counts", 30*time.Second), &kept, &confirmed, &discarded, &eofDiscards, &eofGone, &noAnswer)
		require.NoError(t, err)
	}
	counts(with)
	t.Logf("terminated, with CheckBeforeAcquire: the tracker counted %d checks kept, %d confirmed, %d discarded (%d for eof), %d eof closes", kept, confirmed, discarded, eofDiscards, eofGone)
	assert.Positive(t, kept, "the live connection's checkouts")
	assert.Zero(t, confirmed)
	assert.Equal(t, 1, discarded, "the terminated connection")
	assert.Equal(t, 1, eofDiscards)
	assert.Equal(t, 1, eofGone, "its close, once")
	assert.Zero(t, noAnswer)
	_, pw = acquired("terminated, with CheckBeforeAcquire", with, "ok")
	acquired("terminated, without", without, "")
	assert.Equal(t, 0, pw, "CheckBeforeAcquire pinged a connection whose FIN arrived")

	// A vanished server.
	with, without = start("pool-check"), start("pool-check-without")
	for _, p := range []*netns.Process{with, without} {
		p.Expect("inflight", 30*time.Second)
	}
	time.Sleep(500 * time.Millisecond)
	n.Cut()
	for _, p := range []*netns.Process{with, without} {
		require.NoError(t, p.Signal(syscall.SIGUSR1))
	}
	counts(with)
	t.Logf("vanished, with CheckBeforeAcquire: the tracker counted %d checks kept, %d confirmed, %d discarded (%d unanswered)", kept, confirmed, discarded, noAnswer)
	assert.Zero(t, confirmed)
	assert.Equal(t, 1, discarded, "the suspect whose ping went unanswered")
	assert.Equal(t, 1, noAnswer)
	dw, pw := acquired("vanished, with CheckBeforeAcquire", with, "error")
	dwo, pwo := acquired("vanished, without", without, "error")
	assert.Equal(t, 1, pw, "CheckBeforeAcquire pings the suspect once")
	assert.Equal(t, 1, pwo, "pgxpool's ping on the dead connection")
	assert.Less(t, dw, dwo, "the suspect's ping waits a few RTOs, not for the kernel")

	// The server restarted while its host was unreachable, and back.
	uncut(t, n)
	with, without = start("pool-restart"), start("pool-restart-without")
	for _, p := range []*netns.Process{with, without} {
		p.Expect("inflight", 30*time.Second)
	}
	time.Sleep(500 * time.Millisecond)
	n.Cut()
	signal := func() {
		for _, p := range []*netns.Process{with, without} {
			require.NoError(t, p.Signal(syscall.SIGUSR1))
		}
	}
	signal()
	time.Sleep(unanswered)
	restart()
	uncut(t, n)
	signal()
	_, pw = acquired("restarted, with CheckBeforeAcquire", with, "ok")
	_, pwo = acquired("restarted, without", without, "ok")
	// Its probes were unanswered during the cut: a suspect, pinged,
	// unless a probe met the restarted server's reset first.
	assert.LessOrEqual(t, pw, 1, "CheckBeforeAcquire pings the suspect at most once")
	assert.Equal(t, 1, pwo, "pgxpool's ping on the dead connection")

	// The kernel declared the idle connection gone (its user timeout,
	// 4s, passed while the path was cut), and the path is back: the
	// connection is never handed out, nor pinged; a fresh one serves.
	with, without = start("pool-restart"), start("pool-restart-without")
	for _, p := range []*netns.Process{with, without} {
		p.Expect("inflight", 30*time.Second)
	}
	time.Sleep(500 * time.Millisecond)
	n.Cut()
	signal()
	time.Sleep(cfg.UserTimeout + 2*time.Second)
	uncut(t, n)
	signal()
	_, pw = acquired("declared gone, with CheckBeforeAcquire", with, "ok")
	acquired("declared gone, without", without, "ok")
	assert.Equal(t, 0, pw, "CheckBeforeAcquire pinged a connection the kernel declared gone")
}

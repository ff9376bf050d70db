package integration_test

// Check and Inspect where a peer must vanish or close: a live peer that
// answers every probe, an idle and a busy dead peer, a FIN and a reset.
// The test process opens each socket on a thread moved into the
// namespace (inNamespace), so that Check runs right here on a socket of
// the client or peer namespace; the thread exits with its goroutine, and
// the socket keeps its namespace. Run them alone with
//
//	sudo go test -count=1 -v -run TestIntegrationCheck ./internal/integration
//
// The bounds and tolerances are those of deadpeer_linux_test.go: kernel
// timers fire late by at most 1/8 of their length. Check's loopback
// cases are in the root package's check_linux_test.go; the system calls
// it makes, in syscalls_linux_test.go.

import (
	"cmp"
	"errors"
	"io"
	"net"
	"os/exec"
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

// nsPair connects a client in n.Client, dialed with c, to a peer in
// n.Peer, over IPv6 if v6, and exchanges a byte each way.
func nsPair(t *testing.T, n *netns.Network, c keepalive.Config, v6 bool) (client, peer *net.TCPConn) {
	t.Helper()
	listenAddr, peerAddr := netns.PeerAddr+":7778", netns.PeerAddr+":7778"
	if v6 {
		n.AddIPv6()
		listenAddr, peerAddr = "[::]:7778", "["+netns.PeerAddr6+"]:7778"
	}
	client, peer = n.Connect(t, c, listenAddr, peerAddr)
	netns.Exchange(t, client, peer)
	netns.Exchange(t, peer, client)
	return client, peer
}

// keepAlivesSent reads the namespace's count of keep-alive probes sent
// (TcpExtTCPKeepAlive in /proc/net/netstat).
func keepAlivesSent(t *testing.T, ns string) int {
	t.Helper()
	out, err := exec.Command("ip", "netns", "exec", ns, "cat", "/proc/net/netstat").CombinedOutput()
	require.NoError(t, err, "%s", out)
	lines := strings.Split(string(out), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		for j, name := range names {
			if name == "TCPKeepAlive" && j < len(values) {
				v, err := strconv.Atoi(values[j])
				require.NoError(t, err)
				return v
			}
		}
	}
	t.Fatal("no TCPKeepAlive counter in /proc/net/netstat")
	return 0
}

// checkUntil calls Check every 5ms until stop says so or limit passes,
// and returns the first error of each kind with when it came, measured
// from start.
type checked struct {
	unanswered, gone, other error
	unansweredAt, goneAt    time.Duration
	calls                   int
}

func checkUntil(c net.Conn, start time.Time, limit time.Duration, stop func(*checked) bool) *checked {
	var r checked
	for time.Since(start) < limit && !stop(&r) {
		err := keepalive.Check(c)
		r.calls++
		switch {
		case err == nil:
		case errors.Is(err, keepalive.ErrUnanswered):
			if r.unanswered == nil {
				r.unanswered, r.unansweredAt = err, time.Since(start)
			}
		case keepalive.IsPeerGone(err):
			if r.gone == nil {
				r.gone, r.goneAt = err, time.Since(start)
			}
		default:
			if r.other == nil {
				r.other = err
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	return &r
}

func TestIntegrationCheckLivePeer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	c := keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 2}
	client, peer := nsPair(t, n, c, false)
	_, err := peer.Write([]byte("unread"))
	require.NoError(t, err)
	before := keepAlivesSent(t, n.Client)
	start := time.Now()
	var maxSince time.Duration
	r := checkUntil(client, start, 5*time.Second, func(*checked) bool {
		maxSince = max(maxSince, time.Duration(tcpInfo(t, client).Last_ack_recv)*time.Millisecond)
		return false
	})
	probes := keepAlivesSent(t, n.Client) - before
	t.Logf("%d Checks over 5s, %d keep-alive probes sent and answered, at most %v without a packet", r.calls, probes, maxSince)
	assert.NoError(t, r.unanswered, "false alarm on a live peer")
	assert.NoError(t, r.gone)
	assert.NoError(t, r.other)
	// Idle 1s, interval 1s: a probe each second after the first, each
	// answered, so that the connection never goes two seconds unheard.
	assert.GreaterOrEqual(t, probes, 3, "the kernel sent too few probes to prove anything")
	assert.Less(t, maxSince, 2*time.Second, "probes went unanswered on a live path")
	assert.Equal(t, len("unread"), queued(t, client), "Check consumed unread data")
}

func TestIntegrationCheckIdleDeadPeer(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	for _, v6 := range []bool{false, true} {
		name := "IPv4"
		if v6 {
			name = "IPv6"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := netns.New(t)
			c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 4}
			client, _ := nsPair(t, n, c, v6)
			var atUnanswered keepalive.Health
			info := tcpInfo(t, client) // the last packet received, before the cut
			heard := time.Duration(min(info.Last_data_recv, info.Last_ack_recv)) * time.Millisecond
			cut := time.Now()
			if v6 {
				n.CutWith(netns.Blackhole)
			} else {
				n.Cut()
			}
			r := checkUntil(client, cut, 20*time.Second, func(r *checked) bool {
				if r.unanswered != nil && atUnanswered.State == keepalive.TCPUnknown {
					var err error
					atUnanswered, err = keepalive.Inspect(client)
					return err != nil
				}
				return r.gone != nil || r.other != nil
			})
			t.Logf("%s: unanswered after %v (%v; %v), gone after %v (%v); the last packet was received %v before the cut",
				name, r.unansweredAt.Round(time.Millisecond), r.unanswered, atUnanswered, r.goneAt.Round(time.Millisecond), r.gone, heard)
			require.NoError(t, r.other)
			require.Error(t, r.unanswered, "no ErrUnanswered before the kernel's error")
			require.Error(t, r.gone, "the kernel never declared the peer gone")
			assert.False(t, keepalive.IsPeerGone(r.unanswered))
			assert.Contains(t, r.unanswered.Error(), "probe")
			assert.Less(t, r.unansweredAt, r.goneAt, "ErrUnanswered not before the kernel's error")
			assert.ErrorIs(t, r.gone, syscall.ETIMEDOUT)
			// The first probe leaves at Idle; it is unanswered one RTO
			// later, allowing for the timer's lateness (Idle·8/63).
			assert.GreaterOrEqual(t, r.unansweredAt, c.Idle-100*time.Millisecond)
			assert.LessOrEqual(t, r.unansweredAt, c.Idle+c.Idle*8/63+time.Second+500*time.Millisecond)
			assertAbout(t, c.Timeout(), r.goneAt)
			// What Inspect promised when it saw the probe unanswered.
			assert.Equal(t, keepalive.TCPEstablished, atUnanswered.State)
			assert.GreaterOrEqual(t, atUnanswered.Probes, 1)
			assert.LessOrEqual(t, r.goneAt, r.unansweredAt+atUnanswered.GivesUpIn+c.Timeout()/8+500*time.Millisecond, "gone later than Inspect's GivesUpIn")
			// Check took the error: Read and Write return at once.
			assert.Zero(t, soError(t, client))
			require.NoError(t, client.SetDeadline(time.Now().Add(time.Minute)))
			_, err := client.Read(make([]byte, 1))
			assert.ErrorIs(t, err, io.EOF)
			_, err = client.Write([]byte{1})
			assert.True(t, keepalive.IsPeerGone(err), "%v", err)
		})
	}
}

func TestIntegrationCheckBusyDeadPeer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 4} // no UserTimeout
	client, _ := nsPair(t, n, c, false)
	n.Cut()
	cut := time.Now()
	_, err := client.Write(make([]byte, 1000))
	require.NoError(t, err)
	r := checkUntil(client, cut, 5*time.Second, func(r *checked) bool { return r.unanswered != nil || r.other != nil })
	h, err := keepalive.Inspect(client)
	require.NoError(t, err)
	info := tcpInfo(t, client)
	t.Logf("unanswered after %v: %v; %v", r.unansweredAt.Round(time.Millisecond), r.unanswered, h)
	require.NoError(t, r.other)
	require.Error(t, r.unanswered, "no ErrUnanswered within 5s of a busy connection's peer vanishing")
	assert.Contains(t, r.unanswered.Error(), "retransmission")
	assert.False(t, keepalive.IsPeerGone(r.unanswered))
	assert.Less(t, r.unansweredAt, 2*time.Second)
	assert.NotZero(t, info.Retransmits, "the kernel shows no retransmission")
	assert.Positive(t, h.Unacked)
	// No user timeout: tcp_retries2 bounds it, many minutes away.
	assert.Greater(t, h.GivesUpIn, time.Minute)
}

func TestIntegrationCheckPeerCloses(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	for _, tt := range []struct {
		name  string
		reset bool
	}{{"FIN", false}, {"RST", true}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := netns.New(t)
			client, peer := nsPair(t, n, keepalive.Config{}, false)
			if tt.reset {
				require.NoError(t, peer.SetLinger(0))
			}
			closed := time.Now()
			require.NoError(t, peer.Close())
			r := checkUntil(client, closed, 5*time.Second, func(r *checked) bool { return r.gone != nil || r.other != nil })
			t.Logf("%s: %v after %v", tt.name, cmp.Or(r.gone, r.other), time.Since(closed).Round(time.Millisecond))
			if tt.reset {
				require.Error(t, r.gone)
				assert.ErrorIs(t, r.gone, syscall.ECONNRESET)
				return
			}
			require.Error(t, r.other)
			assert.ErrorIs(t, r.other, io.EOF)
			assert.NoError(t, r.unanswered)
		})
	}
}

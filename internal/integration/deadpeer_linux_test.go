package integration_test

// Dead-peer detection, end to end, in network namespaces: client — router
// — peer, each end its own process. The router's blackhole routes make the
// peer vanish like a pulled cable or a crashed host. These tests need root
// and skip without it; CI runs them. Run them alone with
//
//	sudo go test -count=1 -v -run TestIntegration ./internal/integration
//
// Tolerances come from the kernel's timers, not from what happened to
// pass: keep-alive and retransmission timers never fire early and fire
// late by at most 1/8 of their length (timer wheel granularity) plus a
// jiffy; on top of that the scheduler and the pipe that reports the
// result add milliseconds. So each bound is checked as
// [want - 100ms, want + want/8 + 500ms]; the 100ms below covers the
// distance between when the kernel last heard the peer and when the test
// process saw it.

import (
	"cmp"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

const peerPort = "7777"

var peerAddr = net.JoinHostPort(netns.PeerAddr, peerPort)

// scenario runs a peer that listens and a client that dials it, waits
// for both to exchange their greeting, cuts the network, and returns
// what the measured end saw and how long after the cut its first failure
// was reported.
type scenario struct {
	client, peer netns.End
	measure      string // "client" or "peer"
	kill         bool   // kill the peer process instead of cutting
	wait         time.Duration

	v6    bool                   // over IPv6 (the Network gets IPv6 addresses)
	cut   netns.Drop             // the router's routes for the cut: Blackhole if zero
	setup func(n *netns.Network) // run before the ends start (sysctls, say)
}

func (s scenario) run(t *testing.T) (netns.Result, time.Duration) {
	t.Helper()
	n := netns.New(t)
	s.peer.Listen = net.JoinHostPort("0.0.0.0", peerPort)
	s.client.Dial = peerAddr
	if s.v6 {
		n.AddIPv6()
		s.peer.Listen = net.JoinHostPort("::", peerPort)
		s.client.Dial = net.JoinHostPort(netns.PeerAddr6, peerPort)
	}
	if s.setup != nil {
		s.setup(n)
	}
	peer := n.Start(n.Peer, s.peer)
	peer.Expect("ready", 10*time.Second)
	client := n.Start(n.Client, s.client)
	client.Expect("exchanged", 10*time.Second)
	peer.Expect("exchanged", 10*time.Second)
	measured := client
	if s.measure == "peer" {
		measured = peer
	}
	cut := time.Now()
	switch {
	case s.kill:
		peer.Kill()
	case s.v6 || s.cut != 0:
		n.CutWith(cmp.Or(s.cut, netns.Blackhole))
	default:
		n.Cut()
	}
	line := measured.Expect("result", s.wait)
	since := time.Since(cut)
	res, err := netns.ParseResult(line)
	require.NoError(t, err)
	require.NotEmpty(t, res.Failures)
	t.Logf("first failure %v after the cut: %+v", since.Round(time.Millisecond), res.Failures)
	return res, since
}

// timedOut checks that exactly one call saw ETIMEDOUT and returns it. A
// busy End has a reader and a writer; both wake when the connection dies,
// one gets ETIMEDOUT, the other EOF or EPIPE, in whichever order the
// scheduler records them.
func timedOut(t *testing.T, res netns.Result) netns.Failure {
	t.Helper()
	var found []netns.Failure
	for _, c := range res.Failures {
		if c.Errno == "ETIMEDOUT" {
			found = append(found, c)
		}
	}
	require.Len(t, found, 1, "%+v", res.Failures)
	return found[0]
}

// assertAbout checks a measured time against a kernel bound.
func assertAbout(t *testing.T, want, got time.Duration) {
	t.Helper()
	assert.GreaterOrEqual(t, got, want-100*time.Millisecond, "noticed before the kernel's bound")
	assert.LessOrEqual(t, got, want+want/8+500*time.Millisecond, "noticed later than the kernel's bound")
}

func TestIntegrationIdleDeadPeer(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3}
	res, _ := scenario{
		client:  netns.End{How: netns.HowKeepalive, Config: c.String(), Mode: netns.Idle},
		peer:    netns.End{How: netns.HowGo, Mode: netns.Idle},
		measure: "client",
		wait:    20 * time.Second,
	}.run(t)
	first := timedOut(t, res)
	assert.Equal(t, "read", first.Op)
	assertAbout(t, c.Timeout(), first.Elapsed)
}

func TestIntegrationBusyDeadPeer(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	t.Run("UserTimeout", func(t *testing.T) {
		t.Parallel()
		c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 3 * time.Second}
		res, since := scenario{
			client:  netns.End{How: netns.HowKeepalive, Config: c.String(), Mode: netns.Busy},
			peer:    netns.End{How: netns.HowGo, Mode: netns.Idle},
			measure: "client",
			wait:    20 * time.Second,
		}.run(t)
		timedOut(t, res)
		// The user timeout counts from the first retransmission, one RTO
		// (200ms on a fast path) after the first send the cut swallowed,
		// which follows the cut within a write period (20ms).
		assertAbout(t, c.UserTimeout+200*time.Millisecond, since)
	})
	t.Run("net.KeepAliveConfig alone", func(t *testing.T) {
		t.Parallel()
		c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3}
		n := netns.New(t)
		peer := n.Start(n.Peer, netns.End{How: netns.HowGo, Mode: netns.Idle, Listen: "0.0.0.0:" + peerPort})
		peer.Expect("ready", 10*time.Second)
		client := n.Start(n.Client, netns.End{How: netns.HowGo, Config: c.String(), Mode: netns.Busy, Dial: peerAddr})
		client.Expect("exchanged", 10*time.Second)
		n.Cut()
		// Keep-alive never fires while data is unacknowledged; Linux
		// retransmits for about 15 minutes (tcp_retries2 = 15). Nothing
		// may be reported within 20s, four times the keep-alive bound.
		line, err := client.Wait("result", 20*time.Second)
		require.ErrorIs(t, err, netns.ErrNoLine, "a busy connection with keep-alive alone failed within 20s: %s", line)
	})
}

func TestIntegrationServerSeesDeadClient(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 3 * time.Second}
	for _, how := range []netns.How{netns.HowKeepalive, netns.HowWrap} {
		t.Run(how.String(), func(t *testing.T) {
			t.Parallel()
			res, since := scenario{
				client:  netns.End{How: netns.HowGo, Mode: netns.Idle},
				peer:    netns.End{How: how, Config: c.String(), Mode: netns.Busy},
				measure: "peer",
				wait:    20 * time.Second,
			}.run(t)
			timedOut(t, res)
			assertAbout(t, c.UserTimeout+200*time.Millisecond, since)
		})
	}
}

func TestIntegrationPeerReset(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3}
	res, since := scenario{
		client:  netns.End{How: netns.HowKeepalive, Config: c.String(), Mode: netns.Idle},
		peer:    netns.End{How: netns.HowGo, Mode: netns.Idle},
		measure: "client",
		kill:    true,
		wait:    10 * time.Second,
	}.run(t)
	// The peer's kernel closes the socket of the killed process: a FIN
	// (EOF) or, with unread data, a reset. Either comes at once: well
	// under the keep-alive bound.
	assert.Contains(t, []string{"EOF", "ECONNRESET"}, res.Failures[0].Errno, res.Failures[0].Err)
	assert.Less(t, since, c.Timeout()/2)
}

// TestIntegrationWhichErrorWhere: the kernel hands ETIMEDOUT to the
// first call that looks (sock_error clears sk_err); every later call
// finds a closed connection, so the other reader sees io.EOF.
func TestIntegrationWhichErrorWhere(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3}
	res, _ := scenario{
		client:  netns.End{How: netns.HowKeepalive, Config: c.String(), Mode: netns.Idle, Readers: 2},
		peer:    netns.End{How: netns.HowGo, Mode: netns.Idle},
		measure: "client",
		wait:    20 * time.Second,
	}.run(t)
	// Both readers wake together; which records first is up to the
	// scheduler, so the order of the two results means nothing. That one
	// and only one saw ETIMEDOUT does.
	require.Len(t, res.Failures, 2)
	errnos := []string{res.Failures[0].Errno, res.Failures[1].Errno}
	assert.ElementsMatch(t, []string{"ETIMEDOUT", "EOF"}, errnos, "%+v", res.Failures)
	assert.True(t, strings.Contains(timedOut(t, res).Err, "connection timed out"), "%+v", res.Failures)
}

func TestIntegrationWithin(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	for _, d := range []time.Duration{4 * time.Second, 10 * time.Second} {
		c := keepalive.Within(d)
		for _, mode := range []netns.Mode{netns.Idle, netns.Busy} {
			t.Run(d.String()+"/"+mode.String(), func(t *testing.T) {
				t.Parallel()
				res, since := scenario{
					client:  netns.End{How: netns.HowKeepalive, Config: c.String(), Mode: mode},
					peer:    netns.End{How: netns.HowGo, Mode: netns.Idle},
					measure: "client",
					wait:    d + 10*time.Second,
				}.run(t)
				timedOut(t, res)
				detected := since
				if mode == netns.Idle {
					detected = timedOut(t, res).Elapsed // from the last exchange
				}
				assert.LessOrEqual(t, detected, d, "Within(%v) = %v missed its bound", d, c)
			})
		}
	}
}

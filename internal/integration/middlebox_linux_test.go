package integration_test

// Keep-alive through a middlebox, end to end: the router of the test
// network is a NAT gateway and stateful firewall (nftables, conntrack)
// that forgets a TCP flow idle for 5s. Root and nft only; CI runs them.
//
//	sudo go test -count=1 -v -run 'TestIntegrationMiddlebox|TestIntegrationProbeLateness' ./internal/integration

import (
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// natTimeout is the middlebox's idle timeout: conntrack's established
// TCP timeout in the router namespace.
const natTimeout = 5 * time.Second

// A middleboxCase dials the peer through a middlebox, stays quiet, and
// checks whether a message still comes back.
type middleboxCase struct {
	name           string
	reset          bool // the middlebox resets instead of dropping
	client, server netns.Flow
	quiet          time.Duration
	check          func(t *testing.T, res netns.FlowResult)
}

// runMiddlebox plays every case at once, each in its own network, so
// that the quiet periods overlap: go test runs only GOMAXPROCS parallel
// tests at a time, and these spend their time waiting.
func runMiddlebox(t *testing.T, cases []middleboxCase) {
	t.Helper()
	netns.NeedNFT(t)
	clients := make([]*netns.Process, len(cases))
	networks := make([]*netns.Network, len(cases))
	for i, c := range cases {
		n := netns.New(t)
		networks[i] = n
		n.Middlebox(netns.Middlebox{IdleTimeout: natTimeout, Reset: c.reset})
		c.server.Listen = net.JoinHostPort("0.0.0.0", peerPort)
		c.client.Dial = peerAddr
		c.client.Quiet = c.quiet
		// A forgotten flow's message is dropped: nothing comes back. An
		// answer takes a round trip inside one host; 2s is ten times
		// the smallest retransmission timeout.
		c.client.Wait = 2 * time.Second
		server := n.Start(n.Peer, c.server)
		server.Expect("ready", 10*time.Second)
		clients[i] = n.Start(n.Client, c.client)
		clients[i].Expect("exchanged", 10*time.Second)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			line, err := clients[i].Wait("result", c.quiet+20*time.Second)
			require.NoError(t, err)
			res, err := netns.ParseFlowResult(line)
			require.NoError(t, err)
			t.Logf("after %v quiet: %+v", c.quiet, res)
			c.check(t, res)
			if t.Failed() {
				t.Logf("what the middlebox remembers:\n%s", networks[i].Conntrack())
			}
		})
	}
}

var off = netns.Flow{How: netns.HowOff, Config: keepalive.Config{}.String()}

func echoed(t *testing.T, res netns.FlowResult) { assert.True(t, res.Echoed, "%+v", res) }

// TestIntegrationMiddlebox, all at once:
//
// Baseline: without keep-alive the middlebox keeps a flow quiet for less
// than its timeout, and forgets one quiet for longer: the next message is
// dropped, or reset. Probes that come no sooner than the timeout do not
// save it.
//
// Under: with Within(30s).Under(5s) on either end (the other end's
// keep-alive off), the flow stays quiet for three times the middlebox's
// timeout and still carries data, dropped or reset.
func TestIntegrationMiddlebox(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	// Probes 1s after the middlebox forgot: its timer started at the last
	// packet the client received, the middlebox's at the client's ACK.
	late := keepalive.Config{Idle: natTimeout + time.Second, Interval: time.Second, Count: 3}
	c := keepalive.Within(30 * time.Second).Under(natTimeout)
	t.Logf("Within(30s).Under(%v) = %v", natTimeout, c)
	// Idle + Interval, fired 1/8 late, within the timeout less 1s: 2s
	// and 1s (Within(30s) alone has Idle 18s).
	require.LessOrEqual(t, (c.Idle+c.Interval)*9/8, natTimeout-time.Second)
	require.Less(t, c.Idle, keepalive.Within(30*time.Second).Idle)
	require.LessOrEqual(t, c.Timeout(), keepalive.Within(30*time.Second).Timeout())
	ours := c.String()
	quiet := 3 * natTimeout
	runMiddlebox(t, []middleboxCase{
		{name: "baseline/quiet 2s: kept", client: off, server: off, quiet: 2 * time.Second, check: echoed},
		{name: "baseline/quiet 8s: dropped", client: off, server: off, quiet: 8 * time.Second, check: func(t *testing.T, res netns.FlowResult) {
			assert.False(t, res.Echoed)
			assert.Equal(t, "deadline", res.Errno, "%+v", res)
		}},
		{name: "baseline/quiet 8s: reset", reset: true, client: off, server: off, quiet: 8 * time.Second, check: func(t *testing.T, res netns.FlowResult) {
			assert.False(t, res.Echoed)
			assert.Equal(t, "ECONNRESET", res.Errno, "%+v", res)
			assert.Less(t, res.Elapsed, time.Second, "a reset comes at once")
		}},
		{name: "baseline/probes after the timeout: lost", client: netns.Flow{How: netns.HowKeepalive, Config: late.String()}, server: off, quiet: 12 * time.Second,
			check: func(t *testing.T, res netns.FlowResult) {
				// The unanswered probes have timed the connection out by
				// the time the message is written.
				assert.False(t, res.Echoed)
				assert.Equal(t, "ETIMEDOUT", res.Errno, "%+v", res)
			}},
		{name: "Under/dialer", client: netns.Flow{How: netns.HowKeepalive, Config: ours}, server: off, quiet: quiet, check: echoed},
		{name: "Under/dialer, resetting middlebox", reset: true, client: netns.Flow{How: netns.HowKeepalive, Config: ours}, server: off, quiet: quiet, check: echoed},
		{name: "Under/Listen", client: off, server: netns.Flow{How: netns.HowKeepalive, Config: ours}, quiet: quiet, check: echoed},
		{name: "Under/ConfigureListenConfig", client: off, server: netns.Flow{How: netns.HowListenConfig, Config: ours}, quiet: quiet, check: echoed},
		{name: "Under/WrapListener", client: off, server: netns.Flow{How: netns.HowWrap, Config: ours}, quiet: quiet, check: echoed},
	})
}

// TestIntegrationProbeLateness measures how late keep-alive probes
// really come, the margin Under leaves: over loopback, the time between
// the answers to successive probes (tcpi_last_ack_recv, polled every
// 2ms) is Idle plus the timer's lateness. Linux's timer wheel rounds a
// timer up to its level's granularity, at most 1/8 of its length
// (kernel/time/timer.c). The first gap is one timer of Idle from the
// handshake; later ones are the Interval timer that finds the probe
// answered and one for the rest of Idle. KEEPALIVE_LATENESS_IDLES=17s,130s
// measures other Idles (each takes four times its Idle).
func TestIntegrationProbeLateness(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	const gaps = 3
	idles := []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 5 * time.Second}
	if env := os.Getenv("KEEPALIVE_LATENESS_IDLES"); env != "" {
		idles = nil
		for f := range strings.SplitSeq(env, ",") {
			d, err := time.ParseDuration(f)
			require.NoError(t, err, "KEEPALIVE_LATENESS_IDLES")
			idles = append(idles, d)
		}
	}
	results := make([][]time.Duration, len(idles))
	done := make(chan struct{})
	for i, idle := range idles {
		ln := listen(t, &net.ListenConfig{KeepAlive: -1})
		dialed, _ := pair(t, ln, keepalive.NewDialer(keepalive.WithKeepalive(keepalive.Config{Idle: idle, Interval: time.Second, Count: 9})))
		go func() {
			defer func() { done <- struct{}{} }()
			results[i] = ackGaps(dialed, gaps)
		}()
	}
	for range idles {
		<-done
	}
	for i, idle := range idles {
		require.Len(t, results[i], gaps, "Idle %v", idle)
		var worst time.Duration
		for _, g := range results[i] {
			assert.GreaterOrEqual(t, g, idle-100*time.Millisecond, "a probe came early")
			assert.LessOrEqual(t, g, idle+idle/8+500*time.Millisecond, "a probe came later than the timer's bound")
			worst = max(worst, g-idle)
		}
		t.Logf("Idle %v: gaps between answered probes %v: latest +%v (%.1f%% of Idle)", idle, results[i], worst, 100*float64(worst)/float64(idle))
	}
}

// ackGaps returns the times between the last ACK conn received and the
// next n,
// rounded to milliseconds, or fewer if reading TCP_INFO fails.
func ackGaps(conn *net.TCPConn, n int) []time.Duration {
	rc, err := conn.SyscallConn()
	if err != nil {
		return nil
	}
	lastAck := func() (time.Time, bool) {
		var info *unix.TCPInfo
		var ierr error
		now := time.Now()
		if err := rc.Control(func(fd uintptr) { info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) }); err != nil || ierr != nil {
			return time.Time{}, false
		}
		return now.Add(-time.Duration(info.Last_ack_recv) * time.Millisecond), true
	}
	prev, ok := lastAck()
	acks := []time.Time{prev}
	for ok && len(acks) <= n {
		time.Sleep(2 * time.Millisecond)
		var at time.Time
		if at, ok = lastAck(); ok && at.Sub(prev) > 500*time.Millisecond {
			acks = append(acks, at)
			prev = at
		}
	}
	var gaps []time.Duration
	for i := 1; i < len(acks); i++ {
		gaps = append(gaps, acks[i].Sub(acks[i-1]).Round(time.Millisecond))
	}
	return gaps
}

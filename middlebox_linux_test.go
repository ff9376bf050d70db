package keepalive_test

// Keep-alive through a middlebox, end to end: the router of the test
// network is a NAT gateway and stateful firewall (nftables, conntrack)
// that forgets a TCP flow idle for 5s. Root and nft only; CI runs them.
//
//	sudo go test -count=1 -v -run TestIntegrationMiddlebox .

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func init() { netns.RunFlow() }

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
	for i, c := range cases {
		n := netns.New(t)
		n.Middlebox(netns.Middlebox{IdleTimeout: natTimeout, Reset: c.reset})
		c.server.Listen = net.JoinHostPort("0.0.0.0", peerPort)
		c.client.Dial = peerAddr
		c.client.Quiet = c.quiet
		// A forgotten flow's message is dropped: nothing comes back. An
		// answer takes a round trip inside one host; 2s is ten times
		// the smallest retransmission timeout.
		c.client.Wait = 2 * time.Second
		server := n.StartFlow(n.Peer, c.server)
		server.Expect("ready", 10*time.Second)
		clients[i] = n.StartFlow(n.Client, c.client)
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
		})
	}
}

var off = netns.Flow{How: "off", Config: keepalive.Config{}.String()}

func echoed(t *testing.T, res netns.FlowResult) { assert.True(t, res.Echoed, "%+v", res) }

// TestIntegrationMiddleboxBaseline: without keep-alive the middlebox
// keeps a flow quiet for less than its timeout, and forgets one quiet
// for longer: the next message is dropped, or reset. Probes that come
// no sooner than the timeout do not save it.
func TestIntegrationMiddleboxBaseline(t *testing.T) {
	t.Parallel()
	late := keepalive.Config{Idle: natTimeout, Interval: time.Second, Count: 3}
	runMiddlebox(t, []middleboxCase{
		{name: "quiet 2s: kept", client: off, server: off, quiet: 2 * time.Second, check: echoed},
		{name: "quiet 8s: dropped", client: off, server: off, quiet: 8 * time.Second, check: func(t *testing.T, res netns.FlowResult) {
			assert.False(t, res.Echoed)
			assert.Equal(t, "deadline", res.Errno, "%+v", res)
		}},
		{name: "quiet 8s: reset", reset: true, client: off, server: off, quiet: 8 * time.Second, check: func(t *testing.T, res netns.FlowResult) {
			assert.False(t, res.Echoed)
			assert.Equal(t, "ECONNRESET", res.Errno, "%+v", res)
			assert.Less(t, res.Elapsed, time.Second, "a reset comes at once")
		}},
		{name: "probes after the timeout: lost", client: netns.Flow{How: "keepalive", Config: late.String()}, server: off, quiet: 12 * time.Second,
			check: func(t *testing.T, res netns.FlowResult) {
				// The unanswered probes have timed the connection out by
				// the time the message is written.
				assert.False(t, res.Echoed)
				assert.Equal(t, "ETIMEDOUT", res.Errno, "%+v", res)
			}},
	})
}

// TestIntegrationMiddleboxUnder: with Under(5s), on either end, the flow
// stays quiet for three times the middlebox's timeout and still carries
// data, dropped or reset.
func TestIntegrationMiddleboxUnder(t *testing.T) {
	t.Parallel()
	c := keepalive.Within(10 * time.Second).Under(natTimeout)
	require.Equal(t, "idle=2s,interval=1s,count=6,user-timeout=8s", c.String())
	require.LessOrEqual(t, c.Timeout(), keepalive.Within(10*time.Second).Timeout())
	ours := c.String()
	quiet := 3 * natTimeout
	runMiddlebox(t, []middleboxCase{
		{name: "dialer", client: netns.Flow{How: "keepalive", Config: ours}, server: off, quiet: quiet, check: echoed},
		{name: "dialer, resetting middlebox", reset: true, client: netns.Flow{How: "keepalive", Config: ours}, server: off, quiet: quiet, check: echoed},
		{name: "ListenConfig", client: off, server: netns.Flow{How: "keepalive", Config: ours}, quiet: quiet, check: echoed},
		{name: "WrapListener", client: off, server: netns.Flow{How: "wrap", Config: ours}, quiet: quiet, check: echoed},
	})
}

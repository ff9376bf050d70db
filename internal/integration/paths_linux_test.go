package integration_test

// Dead peers on the other paths a user takes, in network namespaces,
// with the harness and the tolerances of deadpeer_linux_test.go: an idle
// accepted connection, a connect to a vanished host, IPv6, and a router
// that answers for the vanished peer with ICMP errors. Each failed call
// is checked as a user sees it: a *net.OpError, and what IsPeerGone
// says of it. And a Listener's accepted connections keep the Config's
// values whatever the namespace's sysctls say
// (TestIntegrationListenerSysctl).

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// idleCfg and busyCfg are the Configs of the IPv4 idle and busy cases.
var (
	idleCfg = keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3}
	busyCfg = keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 3, UserTimeout: 3 * time.Second}
)

// rto is the first retransmission timeout on the namespaces' fast path
// (TCP_RTO_MIN, 200ms, plus a few ms of variance): a user timeout counts
// from the first retransmission, one RTO after the first send the cut
// swallowed.
const rto = 200 * time.Millisecond

// failedWith checks that the first failed call is op with errno, a
// *net.OpError, and peer-gone as IsPeerGone says it should be.
func failedWith(t *testing.T, res netns.Result, op, errno string, peerGone bool) netns.Failure {
	t.Helper()
	require.NotEmpty(t, res.Failures)
	first := res.Failures[0]
	assert.Equal(t, op, first.Op, "%+v", first)
	assert.Equal(t, errno, first.Errno, "%+v", first)
	assert.True(t, first.OpError, "not a *net.OpError: %+v", first)
	assert.Equal(t, peerGone, first.PeerGone, "IsPeerGone(%s)", first.Err)
	return first
}

// TestIntegrationIdleServerSeesDeadClient: an idle accepted connection,
// keep-alive probes from the server, the client vanishes.
func TestIntegrationIdleServerSeesDeadClient(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	for _, how := range []netns.How{netns.HowKeepalive, netns.HowListenConfig, netns.HowWrap} {
		t.Run(how.String(), func(t *testing.T) {
			t.Parallel()
			res, _ := scenario{
				client:  netns.End{How: netns.HowGo, Mode: netns.Idle},
				peer:    netns.End{How: how, Config: idleCfg.String(), Mode: netns.Idle},
				measure: "peer",
				wait:    20 * time.Second,
			}.run(t)
			assert.Equal(t, "on "+idleCfg.String(), res.State)
			first := failedWith(t, res, "read", "ETIMEDOUT", true)
			assertAbout(t, idleCfg.Timeout(), first.Elapsed)
		})
	}
}

// TestIntegrationConnectUserTimeout: a connect to a host that vanished.
// The user timeout cuts the SYN retransmissions off; without it Linux
// retries for about two minutes (tcp_syn_retries = 6).
func TestIntegrationConnectUserTimeout(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	start := func(t *testing.T, how netns.How, cut netns.Drop) *netns.Process {
		n := netns.New(t)
		n.CutWith(cut)
		client := n.Start(n.Client, netns.End{How: how, Config: busyCfg.String(), Mode: netns.Connect, Dial: peerAddr})
		client.Expect("dialing", 10*time.Second)
		return client
	}
	t.Run("UserTimeout", func(t *testing.T) {
		t.Parallel()
		res, err := netns.ParseResult(start(t, netns.HowKeepalive, netns.Blackhole).Expect("result", busyCfg.UserTimeout+10*time.Second))
		require.NoError(t, err)
		first := failedWith(t, res, "dial", "ETIMEDOUT", true)
		assertAbout(t, busyCfg.UserTimeout, first.Elapsed)
	})
	t.Run("net.Dialer", func(t *testing.T) {
		t.Parallel()
		line, err := start(t, netns.HowGo, netns.Blackhole).Wait("result", busyCfg.UserTimeout+5*time.Second)
		require.ErrorIs(t, err, netns.ErrNoLine, "Go's dialer gave up within %v: %s", busyCfg.UserTimeout+5*time.Second, line)
	})
	t.Run("host unreachable", func(t *testing.T) {
		// An ICMP error fails a connect at once (tcp_v4_err in
		// SYN_SENT), user timeout or not.
		t.Parallel()
		res, err := netns.ParseResult(start(t, netns.HowKeepalive, netns.Unreachable).Expect("result", 10*time.Second))
		require.NoError(t, err)
		first := failedWith(t, res, "dial", "EHOSTUNREACH", true)
		assert.Less(t, first.Elapsed, time.Second)
	})
}

// TestIntegrationIPv6: the idle and the busy dead-peer cases over IPv6.
func TestIntegrationIPv6(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	t.Run("idle", func(t *testing.T) {
		t.Parallel()
		res, _ := scenario{
			client:  netns.End{How: netns.HowKeepalive, Config: idleCfg.String(), Mode: netns.Idle},
			peer:    netns.End{How: netns.HowGo, Mode: netns.Idle},
			measure: "client",
			wait:    20 * time.Second,
			v6:      true,
		}.run(t)
		first := failedWith(t, res, "read", "ETIMEDOUT", true)
		assert.Contains(t, first.Err, "[fd77:1::1]")
		assertAbout(t, idleCfg.Timeout(), first.Elapsed)
	})
	t.Run("busy", func(t *testing.T) {
		t.Parallel()
		res, since := scenario{
			client:  netns.End{How: netns.HowKeepalive, Config: busyCfg.String(), Mode: netns.Busy},
			peer:    netns.End{How: netns.HowGo, Mode: netns.Idle},
			measure: "client",
			wait:    20 * time.Second,
			v6:      true,
		}.run(t)
		assert.Contains(t, timedOut(t, res).Err, "[fd77:1::1]")
		assertAbout(t, busyCfg.UserTimeout+rto, since)
	})
}

// TestIntegrationICMPErrors: the router answers for the vanished peer
// with ICMP errors instead of dropping silently. While data is
// unacknowledged, Linux keeps retransmitting and, when the user timeout
// ends it, reports the last ICMP error instead of ETIMEDOUT (tcp_write_err
// takes sk_err_soft). An idle connection's keep-alive probes carry a
// sequence number below the window, so the kernel ignores the ICMP
// errors they draw (tcp_v4_err's between(seq, snd_una, snd_nxt) check)
// and reports ETIMEDOUT.
//
// An IPv4 host unreachable also makes the kernel undo one step of its
// retransmission back-off and re-arm the timer (RFC 6069,
// tcp_ld_RTO_revert) without clamping it to the user timeout, so the
// user timeout can end up to one backed-off RTO late: at 3s, the RTO has
// doubled three times from 200ms to 1.6s.
func TestIntegrationICMPErrors(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	for _, tc := range []struct {
		name     string
		mode     netns.Mode
		cut      netns.Drop
		v6       bool
		errno    string
		peerGone bool
		late     time.Duration // how late the kernel may end it, beyond the Config's bound
	}{
		{"idle/IPv4/unreachable", netns.Idle, netns.Unreachable, false, "ETIMEDOUT", true, 0},
		{"busy/IPv4/unreachable", netns.Busy, netns.Unreachable, false, "EHOSTUNREACH", true, 8 * rto},
		{"busy/IPv4/prohibit", netns.Busy, netns.Prohibit, false, "EHOSTUNREACH", true, 0},
		{"busy/IPv6/unreachable", netns.Busy, netns.Unreachable, true, "ENETUNREACH", true, 8 * rto},
		// ICMPv6 administratively prohibited is EACCES.
		{"busy/IPv6/prohibit", netns.Busy, netns.Prohibit, true, "EACCES", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, want := idleCfg, idleCfg.Timeout()
			if tc.mode == netns.Busy {
				c, want = busyCfg, busyCfg.UserTimeout+rto
			}
			res, since := scenario{
				client:  netns.End{How: netns.HowKeepalive, Config: c.String(), Mode: tc.mode},
				peer:    netns.End{How: netns.HowGo, Mode: netns.Idle},
				measure: "client",
				wait:    20 * time.Second,
				v6:      tc.v6,
				cut:     tc.cut,
			}.run(t)
			call := saw(t, res, tc.errno)
			assert.True(t, call.OpError, "not a *net.OpError: %+v", call)
			assert.Equal(t, tc.peerGone, call.PeerGone, "IsPeerGone(%s)", call.Err)
			if tc.mode == netns.Idle {
				since = call.Elapsed
			}
			assertBetween(t, want, want+tc.late, since)
		})
	}
}

// saw checks that exactly one call failed with errno, and returns it: a
// busy End's reader and writer both wake when the connection dies, one
// gets the error, the other EOF or EPIPE.
func saw(t *testing.T, res netns.Result, errno string) netns.Failure {
	t.Helper()
	var found []netns.Failure
	for _, c := range res.Failures {
		if c.Errno == errno {
			found = append(found, c)
		}
	}
	require.Len(t, found, 1, "%+v", res.Failures)
	return found[0]
}

// assertBetween checks a measured time against kernel bounds that leave
// it anywhere from lo to hi, with assertAbout's tolerance.
func assertBetween(t *testing.T, lo, hi, got time.Duration) {
	t.Helper()
	assert.GreaterOrEqual(t, got, lo-100*time.Millisecond, "noticed before the kernel's bound")
	assert.LessOrEqual(t, got, hi+hi/8+500*time.Millisecond, "noticed later than the kernel's bound")
}

// TestIntegrationListenerSysctl: a Listener skips only the options Go's
// per-accept keep-alive wrote, never a value the socket reads from the
// namespace's sysctl because nothing set it (issue 18, 1). Each accepted
// connection must keep the Config's values after the sysctls change.
func TestIntegrationListenerSysctl(t *testing.T) {
	n := netns.New(t)
	ns := n.Peer
	c := keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second} // Count 9, the sysctl's default
	for _, tt := range []struct {
		name string
		lc   net.ListenConfig
		c    keepalive.Config
		idle string // tcp_keepalive_time while the first connection is accepted
	}{
		{"Go's keep-alive off", net.ListenConfig{KeepAlive: -1}, c, "7200"},
		{"Go's keep-alive off, Idle equal to the sysctl", net.ListenConfig{KeepAlive: -1}, keepalive.Config{Idle: 7200 * time.Second, Interval: 5 * time.Second}, "7200"},
		{"Go leaves the count", net.ListenConfig{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 5 * time.Second, Count: -1}}, c, "7200"},
		{"Go writes all (net.Listen)", net.ListenConfig{}, c, "7200"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n.Sysctl(ns, "net.ipv4.tcp_keepalive_probes", "9")
			n.Sysctl(ns, "net.ipv4.tcp_keepalive_time", tt.idle)
			var inner net.Listener
			inNamespace(t, ns, func() (err error) {
				inner, err = tt.lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
				return err
			})
			ln := keepalive.WrapListener(inner, tt.c)
			defer ln.Close()
			accept := func() *net.TCPConn {
				t.Helper()
				var d net.Conn
				inNamespace(t, ns, func() (err error) {
					d, err = (&net.Dialer{KeepAlive: -1}).Dial("tcp", inner.Addr().String())
					return err
				})
				t.Cleanup(func() { d.Close() })
				a, err := ln.Accept()
				require.NoError(t, err)
				t.Cleanup(func() { a.Close() })
				return a.(*net.TCPConn)
			}
			first := accept()
			n.Sysctl(ns, "net.ipv4.tcp_keepalive_probes", "100")
			n.Sysctl(ns, "net.ipv4.tcp_keepalive_time", "60")
			second := accept()
			want := tt.c.Timeout()
			for name, conn := range map[string]*net.TCPConn{"first": first, "second": second} {
				k := readKernel(t, conn)
				assert.Equal(t, 9, k.Count, "%s connection: TCP_KEEPCNT", name)
				assert.Equal(t, tt.c.Idle, k.Idle, "%s connection: TCP_KEEPIDLE", name)
				assert.Equal(t, tt.c.Interval, k.Interval, "%s connection: TCP_KEEPINTVL", name)
				st, err := keepalive.Get(conn)
				require.NoError(t, err)
				assert.Equal(t, want, st.Timeout(), "%s connection", name)
			}
		})
	}
}

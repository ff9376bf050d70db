package integration_test

// Multipath TCP dead peers in network namespaces, with the harness and
// the tolerances of deadpeer_linux_test.go (Configs and helpers in
// paths_linux_test.go): a Multipath TCP connection outlives its dead
// subflows by net.mptcp.close_timeout, and refuses TCP_USER_TIMEOUT.
// Each failed call is checked as a user sees it.

import (
	"context"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// closeTimeout is net.mptcp.close_timeout in the Multipath TCP tests'
// namespaces: how long the kernel keeps a Multipath TCP connection that
// lost its last subflow (60s by default), lowered to keep CI quick.
const closeTimeout = 5 * time.Second

// multipath checks that Multipath TCP is on in the client's and the
// peer's namespaces and sets their close_timeout.
func multipath(t *testing.T) func(n *netns.Network) {
	return func(n *netns.Network) {
		t.Helper()
		for _, ns := range []string{n.Client, n.Peer} {
			require.Equal(t, "1", n.ReadSysctl(ns, "net.mptcp.enabled"), "Multipath TCP is off in namespace %s", ns)
			n.Sysctl(ns, "net.mptcp.close_timeout", strconv.Itoa(int(closeTimeout/time.Second)))
		}
	}
}

// TestIntegrationMultipathDeadPeer: both ends Multipath TCP, an idle
// client with keep-alive. The subflow's probes go unanswered and it
// aborts at Config.Timeout(); the Multipath TCP socket lives on, waiting
// for another subflow, for net.mptcp.close_timeout; only then does Read
// fail, with ENOTCONN.
func TestIntegrationMultipathDeadPeer(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 2}
	for _, tc := range []struct {
		name    string
		peer    netns.End
		measure string
	}{
		{"client/WrapListener(net.Listen)", netns.End{How: netns.HowWrap}, "client"},
		{"client/ConfigureListenConfig+SetMultipathTCP", netns.End{How: netns.HowListenConfig, Multipath: true}, "client"},
		{"server/WrapListener(net.Listen)", netns.End{How: netns.HowWrap}, "peer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			peer := tc.peer
			peer.Config, peer.Mode = c.String(), netns.Idle
			res, _ := scenario{
				client:  netns.End{How: netns.HowKeepalive, Config: c.String(), Mode: netns.Idle, Multipath: true},
				peer:    peer,
				measure: tc.measure,
				wait:    c.Timeout() + closeTimeout + 10*time.Second,
				setup:   multipath(t),
			}.run(t)
			require.Equal(t, unix.IPPROTO_MPTCP, res.Protocol, "the measured socket is not Multipath TCP")
			assert.Equal(t, "on "+c.String(), res.State)
			first := failedWith(t, res, "read", "ENOTCONN", true)
			// State.Timeout() reads the socket's own namespace's
			// close_timeout: the End runs in it.
			assert.Equal(t, c.Timeout()+closeTimeout, res.Timeout, "State.Timeout()")
			assertAbout(t, res.Timeout, first.Elapsed)
			t.Logf("State.Timeout() = %v, measured %v", res.Timeout, first.Elapsed)
			if tc.measure == "peer" {
				// WrapListener tells OnError of a connection with a
				// weaker bound than its Config's.
				require.Len(t, res.Reported, 1)
				assert.Contains(t, res.Reported[0], "Multipath")
				t.Logf("OnError: %s", res.Reported[0])
			}
		})
	}
}

// TestIntegrationMultipathBusy: a Multipath TCP socket refuses
// TCP_USER_TIMEOUT, and keep-alive never fires while data is
// unacknowledged, so a busy Multipath TCP connection retransmits for
// about 15 minutes (tcp_retries2) before close_timeout even starts.
// Nothing may be reported within 20s, twice the idle bound.
func TestIntegrationMultipathBusy(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	c := keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 2}
	n := netns.New(t)
	multipath(t)(n)
	peer := n.Start(n.Peer, netns.End{How: netns.HowWrap, Config: c.String(), Mode: netns.Idle, Listen: "0.0.0.0:" + peerPort})
	peer.Expect("ready", 10*time.Second)
	client := n.Start(n.Client, netns.End{How: netns.HowKeepalive, Config: c.String(), Mode: netns.Busy, Multipath: true, Dial: peerAddr})
	require.Equal(t, strconv.Itoa(unix.IPPROTO_MPTCP), client.Expect("exchanged", 10*time.Second), "the client's socket is not Multipath TCP")
	peer.Expect("exchanged", 10*time.Second)
	n.Cut()
	line, err := client.Wait("result", 20*time.Second)
	require.ErrorIs(t, err, netns.ErrNoLine, "a busy Multipath TCP connection failed within 20s: %s", line)
}

// TestIntegrationCheckMultipathSubflowDies: a Multipath TCP connection
// with two subflows, over two paths; the first path is cut, its subflow
// dies of unanswered keep-alive probes, and the connection carries on
// over the second. Check must not report it dropped, and an echo over it
// must work.
func TestIntegrationCheckMultipathSubflowDies(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	multipath(t)(n)
	n.AddSecondPath()
	c := keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 2}
	var ln net.Listener
	inNamespace(t, n.Peer, func() (err error) {
		lc := &net.ListenConfig{}
		lc.SetMultipathTCP(true)
		ln, err = lc.Listen(context.Background(), "tcp", netns.PeerAddr+":7780")
		return err
	})
	defer ln.Close()
	var conn net.Conn
	inNamespace(t, n.Client, func() (err error) {
		d := keepalive.NewDialer(keepalive.WithKeepalive(c))
		d.SetMultipathTCP(true)
		conn, err = d.Dial("tcp", netns.PeerAddr+":7780")
		return err
	})
	client := conn.(*net.TCPConn)
	defer client.Close()
	a, err := ln.Accept()
	require.NoError(t, err)
	peer := a.(*net.TCPConn)
	defer peer.Close()
	echo := func() error {
		if err := client.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
			return err
		}
		if _, err := client.Write([]byte{1}); err != nil {
			return err
		}
		if _, err := io.ReadFull(peer, make([]byte, 1)); err != nil {
			return err
		}
		if _, err := peer.Write([]byte{2}); err != nil {
			return err
		}
		_, err := io.ReadFull(client, make([]byte, 1))
		return err
	}
	require.NoError(t, echo())
	mp, err := client.MultipathTCP()
	require.NoError(t, err)
	require.True(t, mp, "the connection is not Multipath TCP")
	deadline := time.Now().Add(5 * time.Second)
	for subflows(t, client) < 2 {
		require.True(t, time.Now().Before(deadline), "no second subflow")
		time.Sleep(20 * time.Millisecond)
	}
	require.NoError(t, keepalive.Check(client))

	n.CutFirstPath()
	cut := time.Now()
	// The first subflow dies at c.Timeout() (3s); watch twice as long.
	r := checkUntil(client, cut, 2*c.Timeout()+time.Second, func(*checked) bool { return false })
	h, err := keepalive.Inspect(client)
	require.NoError(t, err)
	first := tcpInfo(t, client)
	t.Logf("%d Checks over %v: unanswered %v, gone %v, other %v; first subflow state %d; %d subflows; Inspect: %v",
		r.calls, time.Since(cut).Round(time.Millisecond), r.unanswered, r.gone, r.other, first.State, subflows(t, client), h)
	require.NoError(t, echo(), "the connection no longer carries data")
	assert.NoError(t, r.gone, "Check reported the connection dropped")
	assert.NoError(t, r.other)
	assert.NoError(t, keepalive.Check(client))
}

// subflows counts a Multipath TCP socket's subflows (MPTCP_TCPINFO's
// num_subflows).
func subflows(t *testing.T, c *net.TCPConn) int {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var n int
	var serr error
	require.NoError(t, rc.Control(func(fd uintptr) {
		// struct mptcp_subflow_data, then no room for any tcp_info.
		var hdr [4]uint32
		hdr[0] = 16
		l := uint32(16)
		_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_MPTCP, 2 /* MPTCP_TCPINFO */, uintptr(unsafe.Pointer(&hdr[0])), uintptr(unsafe.Pointer(&l)), 0)
		if e != 0 {
			serr = e
		}
		n = int(hdr[1])
	}))
	require.NoError(t, serr)
	return n
}

package integration_test

// Check on Multipath TCP connections whose peer closes: the peer's
// DATA_FIN ends the connection's data stream while its subflows stay
// established. Run them alone with
//
//	sudo go test -count=1 -v -run 'TestIntegrationCheckMultipath' ./internal/integration

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
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

// multipathPair connects a Multipath TCP client in n.Client, dialed with
// c, to a Multipath TCP peer in n.Peer on port, and exchanges a byte each
// way.
func multipathPair(t *testing.T, n *netns.Network, c keepalive.Config, port int) (client, peer *net.TCPConn) {
	t.Helper()
	addr := net.JoinHostPort(netns.PeerAddr, strconv.Itoa(port))
	var ln net.Listener
	inNamespace(t, n.Peer, func() (err error) {
		lc := &net.ListenConfig{}
		lc.SetMultipathTCP(true)
		ln, err = lc.Listen(context.Background(), "tcp", addr)
		return err
	})
	t.Cleanup(func() { ln.Close() }) // open while subflows join (MP_JOIN)
	var conn net.Conn
	inNamespace(t, n.Client, func() (err error) {
		d := keepalive.NewDialer(keepalive.WithKeepalive(c))
		d.SetMultipathTCP(true)
		conn, err = d.Dial("tcp", addr)
		return err
	})
	client, peer = netns.Accepted(t, ln, conn)
	netns.Exchange(t, client, peer)
	netns.Exchange(t, peer, client)
	mp, err := client.MultipathTCP()
	require.NoError(t, err)
	require.True(t, mp, "the connection is not Multipath TCP")
	return client, peer
}

// TestIntegrationCheckMultipathPeerCloses: the peer of a Multipath TCP
// connection shuts its side (CloseWrite) or closes, after sending data
// the client leaves unread. The client's subflow stays established;
// Check must report an error wrapping io.EOF, not a dropped connection,
// and leave the data unread.
func TestIntegrationCheckMultipathPeerCloses(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	for _, how := range []string{"CloseWrite", "Close"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			n := netns.New(t)
			multipath(t)(n)
			client, peer := multipathPair(t, n, keepalive.Config{Idle: 5 * time.Second, Interval: time.Second, Count: 3}, 7784)
			require.NoError(t, keepalive.Check(client))
			_, err := peer.Write([]byte("unread"))
			require.NoError(t, err)
			closed := time.Now()
			if how == "Close" {
				require.NoError(t, peer.Close())
			} else {
				require.NoError(t, peer.CloseWrite())
			}
			r := checkUntil(client, closed, 3*time.Second, func(r *checked) bool { return r.other != nil || r.gone != nil })
			h, ierr := keepalive.Inspect(client)
			require.NoError(t, ierr)
			t.Logf("%s: %v after %v; subflow state %d; Inspect: %v", how, r.other, time.Since(closed).Round(time.Millisecond), tcpInfo(t, client).State, h)
			require.NoError(t, r.gone)
			require.Error(t, r.other, "the peer's DATA_FIN was not seen")
			assert.ErrorIs(t, r.other, io.EOF)
			assert.False(t, keepalive.IsPeerGone(r.other))
			assert.Equal(t, keepalive.TCPCloseWait, h.State)
			// The data is still there, then the end of the stream. (SIOCINQ
			// would count the DATA_FIN as a byte: mptcp_inq_hint.)
			require.NoError(t, client.SetReadDeadline(time.Now().Add(5*time.Second)))
			got, err := io.ReadAll(client)
			require.NoError(t, err)
			assert.Equal(t, "unread", string(got), "Check consumed unread data")
		})
	}
}

// TestIntegrationCheckMultipathDataFin: a Multipath TCP connection over
// two paths; the first path is cut, and while its subflow's probes go
// unanswered (Check: a suspect) the peer closes its side, its DATA_FIN
// arriving over the second subflow. Check must report the close.
func TestIntegrationCheckMultipathDataFin(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	multipath(t)(n)
	n.AddSecondPath()
	c := keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 4}
	client, peer := multipathPair(t, n, c, 7785)
	deadline := time.Now().Add(5 * time.Second)
	for subflows(t, client) < 2 {
		require.True(t, time.Now().Before(deadline), "no second subflow")
		time.Sleep(20 * time.Millisecond)
	}
	n.CutFirstPath()
	cut := time.Now()
	suspect := checkUntil(client, cut, c.Timeout(), func(r *checked) bool { return r.unanswered != nil || r.gone != nil || r.other != nil })
	require.Error(t, suspect.unanswered, "the first subflow's probes were not seen unanswered")
	require.NoError(t, suspect.gone)
	require.NoError(t, suspect.other)
	require.NoError(t, peer.CloseWrite())
	closed := time.Now()
	r := checkUntil(client, closed, 2*time.Second, func(r *checked) bool { return r.other != nil || r.gone != nil })
	t.Logf("suspect %v after the cut (%v); after the peer's CloseWrite: %v, %v later; first subflow state %d",
		suspect.unansweredAt.Round(time.Millisecond), suspect.unanswered, r.other, time.Since(closed).Round(time.Millisecond), tcpInfo(t, client).State)
	require.NoError(t, r.gone)
	require.Error(t, r.other, "the peer's DATA_FIN was not seen")
	assert.ErrorIs(t, r.other, io.EOF)
	assert.False(t, errors.Is(r.other, keepalive.ErrUnanswered))
	assert.False(t, keepalive.IsPeerGone(r.other))
}

// TestIntegrationCheckMultipathClosedInOrder: both ends of a Multipath
// TCP connection close, in either order; the kernel closes the
// connection and its subflows. Check must report an error wrapping
// io.EOF, not a connection waiting for a subflow (ErrUnanswered).
func TestIntegrationCheckMultipathClosedInOrder(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	for _, ours := range []bool{true, false} {
		name := "peer first"
		if ours {
			name = "ours first"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			n := netns.New(t)
			multipath(t)(n)
			client, peer := multipathPair(t, n, keepalive.Config{Idle: 5 * time.Second, Interval: time.Second, Count: 3}, 7786)
			require.NoError(t, keepalive.Check(client))
			first, second := client.CloseWrite, peer.Close
			if !ours {
				first, second = peer.Close, client.CloseWrite
			}
			require.NoError(t, first())
			time.Sleep(50 * time.Millisecond) // the first DATA_FIN arrives
			require.NoError(t, second())
			closed := time.Now()
			var err error
			for time.Since(closed) < 2*time.Second {
				if tcpInfo(t, client).State == 7 { // the first subflow closed too
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			time.Sleep(100 * time.Millisecond)
			err = keepalive.Check(client)
			t.Logf("%s: %v; first subflow state %d", name, err, tcpInfo(t, client).State)
			require.Error(t, err)
			assert.ErrorIs(t, err, io.EOF)
			assert.NotErrorIs(t, err, keepalive.ErrUnanswered)
			assert.False(t, keepalive.IsPeerGone(err))
		})
	}
}

// TestIntegrationCheckMultipathNoSubflow: a Multipath TCP connection's
// only path is cut; its subflow dies of unanswered probes, and the kernel
// keeps the connection net.mptcp.close_timeout longer, waiting for
// another. Meanwhile Check must report a suspect, never a close; then
// the peer gone (a Read gets ENOTCONN).
func TestIntegrationCheckMultipathNoSubflow(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	multipath(t)(n)
	c := keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 2}
	client, _ := multipathPair(t, n, c, 7787)
	require.NoError(t, keepalive.Check(client))
	n.Cut()
	cut := time.Now()
	var noSubflow, other error
	var noSubflowAt time.Duration
	r := checkUntil(client, cut, c.Timeout()+closeTimeout+2*time.Second, func(r *checked) bool {
		if r.unanswered != nil && noSubflow == nil && strings.Contains(r.unanswered.Error(), "no Multipath TCP subflow") {
			noSubflow, noSubflowAt = r.unanswered, time.Since(cut)
		}
		if err := keepalive.Check(client); noSubflow == nil && strings.Contains(fmt.Sprint(err), "no Multipath TCP subflow") {
			noSubflow, noSubflowAt = err, time.Since(cut)
		}
		other = r.other
		return r.gone != nil || r.other != nil
	})
	t.Logf("no subflow at %v (%v); gone at %v (%v); other %v", noSubflowAt.Round(time.Millisecond), noSubflow, r.goneAt.Round(time.Millisecond), r.gone, other)
	require.Error(t, noSubflow, "Check never reported the connection waiting for a subflow")
	assert.ErrorIs(t, noSubflow, keepalive.ErrUnanswered)
	assert.NoError(t, other, "Check reported a close while the connection waited for a subflow")
	require.Error(t, r.gone, "Check never reported the peer gone")
	assert.ErrorIs(t, r.gone, syscall.ENOTCONN)
	// The subflow died at c.Timeout(), the connection close_timeout later.
	assertAbout(t, c.Timeout()+closeTimeout, r.goneAt)
}

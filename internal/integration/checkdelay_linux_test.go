package integration_test

// Check on a live peer far away: the namespaces are joined by the
// delay link (netns.NewDelayed), so that a probe's answer takes a real
// round trip. Each test fails if Check raises a false alarm. Run them
// alone with
//
//	sudo go test -count=1 -v -run 'TestIntegrationDelay|TestIntegrationCheckDelayed' ./internal/integration

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// TestIntegrationDelayLink: the kernel measures the link's round trip.
func TestIntegrationDelayLink(t *testing.T) {
	t.Parallel()
	n, link := netns.NewDelayed(t, 100*time.Millisecond)
	client, peer := nsPair(t, n, keepalive.Config{}, false)
	for range 5 {
		_, err := client.Write([]byte{1})
		require.NoError(t, err)
		_, err = peer.Read(make([]byte, 1))
		require.NoError(t, err)
	}
	rtt := time.Duration(tcpInfo(t, client).Rtt) * time.Microsecond
	sent, dropped := link.Counts()
	t.Logf("RTT %v over a 100ms one-way link (%d packets passed, %d dropped)", rtt, sent, dropped)
	assert.GreaterOrEqual(t, rtt, 200*time.Millisecond)
	assert.Less(t, rtt, 350*time.Millisecond)
	assert.Positive(t, sent)
	assert.Zero(t, dropped)

	// Cut still works: the router's blackholes are behind the link.
	n.Cut()
	_, err := client.Write([]byte{1})
	require.NoError(t, err)
	require.NoError(t, peer.SetReadDeadline(time.Now().Add(time.Second)))
	_, err = peer.Read(make([]byte, 1))
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
}

// TestIntegrationCheckDelayedLivePeer: a live peer 200ms away answers
// every keep-alive probe, 400ms later. With Interval above Idle the
// kernel sends the next probe Interval after the last one, not Idle
// after the answer; Check must not count a probe as unanswered before it
// has been out for RTO.
func TestIntegrationCheckDelayedLivePeer(t *testing.T) {
	t.Parallel()
	for _, c := range []keepalive.Config{
		{Idle: time.Second, Interval: 3 * time.Second, Count: 4},
		{Idle: 2 * time.Second, Interval: 4 * time.Second, Count: 4},
		{Idle: time.Second, Interval: time.Second, Count: 4},
	} {
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			n, _ := netns.NewDelayed(t, 200*time.Millisecond)
			client, _ := nsPair(t, n, c, false)
			before := keepAlivesSent(t, n.Client)
			start := time.Now()
			r := checkUntil(client, start, 3*c.Interval+c.Idle+500*time.Millisecond, func(*checked) bool { return false })
			probes := keepAlivesSent(t, n.Client) - before
			t.Logf("%d Checks over %v, %d probes sent and answered: %v", r.calls, time.Since(start).Round(time.Millisecond), probes, r.unanswered)
			assert.NoError(t, r.unanswered, "false alarm on a live peer")
			assert.NoError(t, r.gone)
			assert.NoError(t, r.other)
			assert.GreaterOrEqual(t, probes, 3, "too few probes to prove anything")
		})
	}
}

// TestIntegrationCheckZeroWindow: the peer stops reading, its receive
// window shuts, and the kernel sends zero-window probes, which it counts
// as it counts keep-alive probes (tcpi_probes), at RTO·2ⁿ. The live peer
// answers each: no false alarm.
func TestIntegrationCheckZeroWindow(t *testing.T) {
	t.Parallel()
	n, link := netns.NewDelayed(t, 200*time.Millisecond)
	c := keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 4}
	client, _ := nsPair(t, n, c, false)
	// Fill the peer's receive buffer and our send buffer: the peer
	// reads nothing more.
	fill := make([]byte, 16<<10)
	require.NoError(t, client.SetWriteDeadline(time.Now().Add(6*time.Second)))
	for {
		if _, err := client.Write(fill); err != nil {
			require.ErrorIs(t, err, os.ErrDeadlineExceeded)
			break
		}
	}
	start := time.Now()
	maxProbes, zeroWindowSeen := 0, false
	r := checkUntil(client, start, 12*time.Second, func(*checked) bool {
		info := tcpInfo(t, client)
		maxProbes = max(maxProbes, int(info.Probes))
		zeroWindowSeen = zeroWindowSeen || (info.Probes > 0 && info.Unacked == 0 && info.Notsent_bytes > 0)
		return false
	})
	info := tcpInfo(t, client)
	sent, dropped := link.Counts()
	t.Logf("%d Checks over 12s; probes at most %d at once, backoff %d, RTO %v, retransmissions %d; link passed %d, dropped %d: %v",
		r.calls, maxProbes, info.Backoff, time.Duration(info.Rto)*time.Microsecond, info.Total_retrans, sent, dropped, r.unanswered)
	require.True(t, zeroWindowSeen, "the kernel sent no zero-window probe")
	assert.GreaterOrEqual(t, int(info.Backoff), 3, "too few probes to reach a backoff longer than Idle")
	assert.NoError(t, r.unanswered, "false alarm on a live peer that stopped reading")
	assert.NoError(t, r.gone)
	assert.NoError(t, r.other)
}

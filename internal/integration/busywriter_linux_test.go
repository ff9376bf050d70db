package integration_test

// A writer that keeps sending to a peer that vanished: the kernel's
// first retransmission timeout, from which a user timeout counts, waits
// until the writer's new segments stop leaving. Run it alone with
//
//	sudo go test -count=1 -v -run TestIntegrationWithinBusyWriter ./internal/integration

import (
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// TestIntegrationWithinBusyWriter: a client with Within(10s) writes 100
// bytes every 50ms (TCP_NODELAY, Go's default) to a peer that vanishes
// mid-stream. Each new segment re-arms the loss-probe
// timer, which stands in for the retransmission timer, 2·SRTT ahead
// (tcp_schedule_loss_probe), so while segments leave more often than
// that no retransmission timeout fires: the first comes once the
// congestion window is full, and the user timeout counts from it
// (docs/behaviour.md#a-writer-that-keeps-sending). The test checks that
// bound, not Within's d, which this writer overruns.
func TestIntegrationWithinBusyWriter(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	c := keepalive.Within(10 * time.Second)
	// The peer reads nothing (the segments fit its window) and delays
	// its acknowledgements (40ms, TCP_ATO_MIN): SRTT ~40ms.
	client, _ := nsPairOn(t, n, c, 7796, true)

	var (
		mu     sync.Mutex
		failed error
		goneAt time.Time
	)
	writer := make(chan struct{})
	go func() {
		defer close(writer)
		buf := make([]byte, 100)
		for {
			if _, err := client.Write(buf); err != nil {
				mu.Lock()
				failed, goneAt = err, time.Now()
				mu.Unlock()
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	t.Cleanup(func() { client.Close(); <-writer })
	time.Sleep(3 * time.Second) // the stream under way; the congestion window grows

	before := tcpInfo(t, client)
	srtt := time.Duration(before.Rtt) * time.Microsecond
	rto := time.Duration(before.Rto) * time.Microsecond
	cut := time.Now()
	n.Cut()

	var (
		full, firstRTO time.Duration // since the cut
		atRTO          string
		snapshots      []string
	)
	nextSnap := time.Second
	for time.Since(cut) < 40*time.Second {
		mu.Lock()
		done := failed != nil
		mu.Unlock()
		if done {
			break
		}
		info := tcpInfo(t, client)
		since := time.Since(cut)
		if full == 0 && info.Unacked > 0 && info.Unacked >= info.Snd_cwnd {
			full = since
		}
		if firstRTO == 0 && info.Retransmits > 0 {
			firstRTO = since
			atRTO = fmt.Sprintf("%d unacknowledged, cwnd %d", info.Unacked, info.Snd_cwnd)
		}
		if since >= nextSnap && len(snapshots) < 4 {
			out, _ := exec.Command("ip", "netns", "exec", n.Client, "ss", "-tinoH", "dport", "= :7796").CombinedOutput()
			snapshots = append(snapshots, since.Round(time.Millisecond).String()+": "+strings.Join(strings.Fields(string(out)), " "))
			nextSnap += time.Second
		}
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	err, gone := failed, goneAt.Sub(cut)
	mu.Unlock()
	for _, s := range snapshots {
		t.Logf("ss -tino %s", s)
	}
	pto := 2*srtt + 2*time.Millisecond
	t.Logf("%v; before the cut SRTT %v, RTO %v, cwnd %d, so the loss probe is %v ahead; after the cut the window was full at %v, the first retransmission timeout at %v (%s), the write failed at %v: %v",
		c, srtt, rto, before.Snd_cwnd, pto, full.Round(time.Millisecond), firstRTO.Round(time.Millisecond), atRTO, gone.Round(time.Millisecond), err)
	require.Error(t, err, "the kernel never declared the peer gone")
	assert.ErrorContains(t, err, "connection timed out")
	require.NotZero(t, firstRTO, "no retransmission timeout was seen")
	require.Greater(t, pto, 50*time.Millisecond, "the path is too fast for the writer to outrun its loss probe")

	// While the writer's segments leave, no retransmission timeout: the
	// first comes after the window is full, a loss probe's time later.
	require.NotZero(t, full, "the congestion window never filled")
	require.Greater(t, full, 50*time.Millisecond+rto+rto/8, "the window filled before the oldest segment's RTO was due: nothing to postpone")
	assert.GreaterOrEqual(t, firstRTO, full, "a retransmission timeout fired while segments still left")
	assert.LessOrEqual(t, firstRTO, full+pto+pto/8+500*time.Millisecond, "no retransmission timeout a loss probe after the window filled")
	// The documented bound: UserTimeout after the first retransmission.
	assertAbout(t, c.UserTimeout, gone-firstRTO)
}

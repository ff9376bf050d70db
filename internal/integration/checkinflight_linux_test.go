package integration_test

// What Check costs while a keep-alive probe is in flight to a live peer
// far away: strace on the calling thread, as in checkcost_linux_test.go.
// Run it alone with
//
//	sudo go test -count=1 -v -run TestIntegrationCheckProbeInFlightCost ./internal/integration

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// TestIntegrationCheckProbeInFlightCost: a live peer 300ms away (one
// way) answers each probe 600ms after it left. While the first probe
// since the last packet is out, and has been out for less than RTO after
// the soonest any Idle or Interval (1s) could have sent it, Check knows
// it in flight from TCP_INFO alone: 1 getsockopt, nil.
func TestIntegrationCheckProbeInFlightCost(t *testing.T) {
	netns.Track(t)
	if _, err := exec.LookPath("strace"); err != nil {
		netns.Skip(t, "needs strace (apt-get install strace)")
	}
	n, _ := netns.NewDelayed(t, 300*time.Millisecond)
	c := keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 4}
	client, _ := nsPairOn(t, n, c, 7798, true)
	require.NoError(t, keepalive.Check(client)) // the first Check reads SO_PROTOCOL too
	const checks = 10
	for attempt := 0; ; attempt++ {
		require.Less(t, attempt, 20, "never caught a probe in flight")
		// Wait for a probe to leave; the trace then has about 600ms.
		deadline := time.Now().Add(5 * time.Second)
		for tcpInfo(t, client).Probes != 1 && time.Now().Before(deadline) {
			time.Sleep(2 * time.Millisecond)
		}
		var errs [checks]error
		calls := traceThread(t, func() {
			for i := range errs {
				errs[i] = keepalive.Check(client)
			}
		})
		info := tcpInfo(t, client)
		if info.Probes != 1 {
			continue // answered before the trace was attached: the next probe
		}
		var getsockopt int
		for _, l := range calls {
			if strings.HasPrefix(l, "getsockopt(") {
				getsockopt++
			}
		}
		t.Logf("probe in flight (RTT %v, RTO %v, nothing received for %v): %d getsockopt in %d Checks",
			time.Duration(info.Rtt)*time.Microsecond, time.Duration(info.Rto)*time.Microsecond,
			time.Duration(info.Last_ack_recv)*time.Millisecond, getsockopt, checks)
		for _, err := range errs {
			require.NoError(t, err)
		}
		assert.Equal(t, checks, getsockopt, "getsockopt calls: %q", calls)
		assert.Len(t, calls, getsockopt, "calls other than getsockopt: %q", calls)
		return
	}
}

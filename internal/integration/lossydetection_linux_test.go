package integration_test

// How soon Check notices a dead peer on a lossy path (internal/netns
// Loss: random loss each way on the router), idle and busy. The CI run
// is short, at 20% loss; scripts/error-rates runs it at 0, 1, 5 and 20%
// and makes docs/measurements.md's table from the "rate" lines
// (errorrates_linux_test.go has the false alarms and false kills). Run
// alone with
//
//	sudo go test -count=1 -v -run 'TestIntegrationLossyDetection' ./internal/integration

import (
	"errors"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// detectCfg is the Config whose detection of a dead peer is timed.
var detectCfg = keepalive.Within(10 * time.Second)

// TestIntegrationLossyDetection: how soon Check warns (ErrUnanswered)
// and reports the peer gone (the kernel gave up) after the peer
// vanishes, on connections idle or busy (a write every 50ms for 3s, then
// the cut, then a request of 100 bytes), with detectCfg, at each loss:
// the figures for
// docs/measurements.md, timed from the cut. Every connection must be
// reported gone within Within's bound plus the 500ms the integration
// tests allow.
func TestIntegrationLossyDetection(t *testing.T) {
	t.Parallel()
	netns.Track(t)
	levels, _ := netns.LossRun([]int{20}, 0)
	const conns = 6
	for _, loss := range levels {
		n := netns.New(t)
		netns.NeedNFT(t)
		idle := idlePairs(t, n, detectCfg, conns, 7900)
		busy := idlePairs(t, n, detectCfg, conns, 7901)
		n.Loss(loss)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for _, c := range busy {
			wg.Go(func() {
				buf := make([]byte, 100)
				for {
					select {
					case <-stop:
						return
					case <-time.After(50 * time.Millisecond):
					}
					if _, err := c.Write(buf); err != nil {
						return
					}
				}
			})
		}
		time.Sleep(3 * time.Second) // probes and writes under way
		close(stop)
		wg.Wait()
		// How long before the cut each connection last heard its peer:
		// the bounds count from there (Config.Timeout).
		heard := func(clients []*net.TCPConn) []time.Duration {
			d := make([]time.Duration, len(clients))
			for i, c := range clients {
				info := tcpInfo(t, c)
				d[i] = time.Duration(min(info.Last_data_recv, info.Last_ack_recv)) * time.Millisecond
			}
			return d
		}
		idleHeard, busyHeard := heard(idle), heard(busy)
		cut := time.Now()
		n.Cut()
		for _, c := range busy {
			// A request, unacknowledged: the connection is busy. (A
			// connection that keeps writing every 50ms delays its first
			// retransmission, and the user timeout with it, by seconds:
			// TestIntegrationWithinBusyWriter.)
			_, err := c.Write(make([]byte, 100))
			require.NoError(t, err)
		}
		type times struct{ warn, gone []time.Duration }
		watch := func(clients []*net.TCPConn) times {
			warned := make([]time.Duration, len(clients))
			gone := make([]time.Duration, len(clients))
			for left := len(clients); left > 0 && time.Since(cut) < 30*time.Second; {
				time.Sleep(20 * time.Millisecond)
				for i, c := range clients {
					if gone[i] != 0 {
						continue
					}
					err := keepalive.Check(c)
					if err != nil && warned[i] == 0 {
						warned[i] = time.Since(cut)
					}
					if err != nil && !errors.Is(err, keepalive.ErrUnanswered) {
						gone[i] = time.Since(cut)
						left--
					}
				}
			}
			return times{warned, gone}
		}
		var ti, tb times
		var ww sync.WaitGroup
		ww.Go(func() { ti = watch(idle) })
		ww.Go(func() { tb = watch(busy) })
		ww.Wait()
		for _, k := range []struct {
			name  string
			t     times
			heard []time.Duration
		}{{"idle", ti, idleHeard}, {"busy", tb, busyHeard}} {
			// The same times, counted from the last packet received.
			goneLast := make([]time.Duration, len(k.t.gone))
			for i, g := range k.t.gone {
				goneLast[i] = g + k.heard[i]
			}
			rate(map[string]any{"kind": "detect", "load": k.name, "loss": loss, "config": detectCfg.String(), "connections": conns,
				"warn_median": median(k.t.warn).Seconds(), "warn_max": slices.Max(k.t.warn).Seconds(),
				"gone_median": median(k.t.gone).Seconds(), "gone_max": slices.Max(k.t.gone).Seconds(),
				"gone_last_median": median(goneLast).Seconds(), "gone_last_max": slices.Max(goneLast).Seconds()})
			t.Logf("%d%% loss, %s, %v: Check warned %v to %v after the cut (median %v), reported the peer gone %v to %v (median %v); from the last packet received (%v to %v before the cut): gone %v to %v (median %v)",
				loss, k.name, detectCfg, slices.Min(k.t.warn).Round(10*time.Millisecond), slices.Max(k.t.warn).Round(10*time.Millisecond),
				median(k.t.warn).Round(10*time.Millisecond), slices.Min(k.t.gone).Round(10*time.Millisecond),
				slices.Max(k.t.gone).Round(10*time.Millisecond), median(k.t.gone).Round(10*time.Millisecond),
				slices.Min(k.heard).Round(10*time.Millisecond), slices.Max(k.heard).Round(10*time.Millisecond),
				slices.Min(goneLast).Round(10*time.Millisecond), slices.Max(goneLast).Round(10*time.Millisecond), median(goneLast).Round(10*time.Millisecond))
			for i, g := range k.t.gone {
				if assert.NotZero(t, g, "%s %d: never reported gone", k.name, i) {
					assert.LessOrEqual(t, g, 10*time.Second+500*time.Millisecond, "%s %d: Within(10s)'s bound", k.name, i)
				}
			}
		}
	}
}

// median is the middle of ds (the upper of the two middle ones).
func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

package integration_test

// Error rates on lossy paths (internal/netns Loss: random loss each way
// on the router): how often Check raises a false alarm on a live peer,
// how often the kernel itself drops a live idle connection with a
// Within(d) Config, checked against internal/falsekill's model, and how
// soon Check notices a dead peer, idle and busy. The CI run is short, at
// 20% loss; scripts/error-rates runs each at 0, 1, 5 and 20%, longer,
// and makes docs/measurements.md's table from the "rate" lines. Run
// alone with
//
//	sudo go test -count=1 -v -run 'TestIntegration(FalseAlarms|FalseKills|LossyDetection)' ./internal/integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// rate prints a line for scripts/error-rates.
func rate(fields map[string]any) {
	line, _ := json.Marshal(fields)
	fmt.Printf("rate %s\n", line)
}

// TestIntegrationFalseAlarms: connections to a live peer, idle, with
// probes after 1s (netns.LossConfig); Check at random times, every 100ms
// to 400ms on each. Every ErrUnanswered is a false alarm: a suspect the
// pools must confirm. At 0% loss there must be none.
func TestIntegrationFalseAlarms(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	netns.NeedNFT(t)
	levels, d := netns.LossRun([]int{0, 20}, 15*time.Second)
	const conns = 8
	for _, loss := range levels {
		var clients []*net.TCPConn
		for range conns {
			c, _ := nsPair(t, n, netns.LossConfig, false)
			clients = append(clients, c)
		}
		n.Loss(loss)
		var mu sync.Mutex
		var checks, alarms, gone int
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Go(func() {
				for start := time.Now(); time.Since(start) < d; {
					time.Sleep(100*time.Millisecond + rand.N(300*time.Millisecond))
					err := keepalive.Check(c)
					mu.Lock()
					checks++
					switch {
					case errors.Is(err, keepalive.ErrUnanswered):
						alarms++
					case err != nil:
						gone++
					}
					mu.Unlock()
					if err != nil && !errors.Is(err, keepalive.ErrUnanswered) {
						return // the kernel dropped it
					}
				}
			})
		}
		wg.Wait()
		n.Loss(0)
		for _, c := range clients {
			c.Close()
		}
		rate(map[string]any{"kind": "alarms", "loss": loss, "seconds": d.Seconds(), "connections": conns, "checks": checks, "alarms": alarms, "gone": gone})
		t.Logf("%d%% loss, %v, %d connections: %d checks, %d false alarms (%.2f%%), %d dropped by the kernel", loss, d, conns, checks, alarms, 100*float64(alarms)/float64(max(checks, 1)), gone)
		require.Positive(t, checks)
		if loss == 0 {
			assert.Zero(t, alarms, "no loss, no alarm")
		}
	}
}

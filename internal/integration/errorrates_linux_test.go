package integration_test

// Error rates on lossy paths (internal/netns Loss: random loss each way
// on the router): how often Check raises a false alarm on a live peer,
// and how often the kernel itself drops a live idle connection with a
// Within(d) Config, checked against internal/falsekill's model; how soon
// Check notices a dead peer is in lossydetection_linux_test.go. The CI
// run is short, at 20% loss; scripts/error-rates runs each at 0, 1, 5
// and 20%, longer, and makes docs/measurements.md's table from the
// "rate" lines. Run alone with
//
//	sudo go test -count=1 -v -run 'TestIntegration(FalseAlarms|FalseKills|LossyDetection)' ./internal/integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/falsekill"
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
	levels, d := netns.LossRun([]int{0, 20}, 10*time.Second)
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

// idlePairs connects n clients in nw's client namespace, dialed with c,
// to one listener on port in the peer's, and returns the client ends;
// the peer ends stay open, and silent, until the test ends.
func idlePairs(t *testing.T, nw *netns.Network, c keepalive.Config, n, port int) []*net.TCPConn {
	t.Helper()
	var ln net.Listener
	inNamespace(t, nw.Peer, func() (err error) {
		ln, err = net.Listen("tcp", net.JoinHostPort(netns.PeerAddr, strconv.Itoa(port)))
		return err
	})
	defer ln.Close()
	accepted := make(chan net.Conn, n)
	go func() {
		for range n {
			a, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- a
		}
	}()
	var clients []*net.TCPConn
	inNamespace(t, nw.Client, func() error {
		d := keepalive.NewDialer(keepalive.WithKeepalive(c))
		for range n {
			conn, err := d.Dial("tcp", net.JoinHostPort(netns.PeerAddr, strconv.Itoa(port)))
			if err != nil {
				return err
			}
			clients = append(clients, conn.(*net.TCPConn))
		}
		return nil
	})
	for range n {
		select {
		case a := <-accepted:
			t.Cleanup(func() { a.Close() })
		case <-time.After(10 * time.Second):
			t.Fatal("the peer did not accept")
		}
	}
	for _, c := range clients {
		t.Cleanup(func() { c.Close() })
	}
	return clients
}

// killConfigs are the Configs whose false kills are counted.
var killConfigs = []struct {
	name string
	c    keepalive.Config
}{
	{"Within(5s)", keepalive.Within(5 * time.Second)},
	{"Within(10s)", keepalive.Within(10 * time.Second)},
	{"Within(30s)", keepalive.Within(30 * time.Second)},
	{"idle=2s,interval=1s,count=4", keepalive.Config{Idle: 2 * time.Second, Interval: time.Second, Count: 4}},
}

// TestIntegrationFalseKills: live idle connections on a lossy path, for
// each of killConfigs; the kernel drops some when a run of probe
// exchanges is lost. The count is checked against internal/falsekill's
// model (which Within uses), where kills are frequent enough to count:
// each connection's chance to be dropped in the run is
// 1-exp(-rate·time), and the count must be within chance (4 standard
// deviations) and 30% of the model's expectation, the model being an
// upper estimate (worst-case timer lateness). Without loss, none.
func TestIntegrationFalseKills(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	netns.NeedNFT(t)
	levels, d := netns.LossRun([]int{20}, 20*time.Second)
	const conns = 40
	for _, loss := range levels {
		type group struct {
			clients []*net.TCPConn
			dropped []time.Duration // when, from the start; 0 for alive
		}
		groups := make([]group, len(killConfigs))
		for i, kc := range killConfigs {
			groups[i].clients = idlePairs(t, n, kc.c, conns, 7800+i)
			groups[i].dropped = make([]time.Duration, conns)
		}
		n.Loss(loss)
		start := time.Now()
		for time.Since(start) < d {
			time.Sleep(200 * time.Millisecond)
			for i := range groups {
				for j, c := range groups[i].clients {
					if groups[i].dropped[j] != 0 {
						continue
					}
					if err := keepalive.Check(c); keepalive.IsPeerGone(err) {
						groups[i].dropped[j] = time.Since(start)
					}
				}
			}
		}
		run := time.Since(start)
		n.Loss(0)
		for i, kc := range killConfigs {
			g := groups[i]
			kills, alive := 0, time.Duration(0)
			for _, at := range g.dropped {
				if at != 0 {
					kills++
					alive += at
				} else {
					alive += run
				}
			}
			r := kc.c
			perHour := falsekill.PerHour(r.Idle, r.Interval, r.Count, r.UserTimeout, float64(loss)/100)
			expected := float64(conns) * (1 - math.Exp(-perHour*run.Hours()))
			measured := float64(kills) / alive.Hours()
			rate(map[string]any{"kind": "kills", "config": kc.name, "settings": kc.c.String(), "loss": loss, "seconds": run.Seconds(),
				"connections": conns, "kills": kills, "expected": expected, "per_hour": measured, "model_per_hour": perHour})
			t.Logf("%s (%v) at %d%% loss, %d connections for %v: %d dropped by the kernel (%.3g per connection-hour); the model expects %.1f (%.3g per connection-hour)",
				kc.name, kc.c, loss, conns, run.Round(time.Second), kills, measured, expected, perHour)
			for _, c := range g.clients {
				c.Close()
			}
			if loss == 0 {
				assert.Zero(t, kills, "%s: no loss, no kill", kc.name)
				continue
			}
			sd := math.Sqrt(expected * (1 - expected/conns))
			assert.InDelta(t, expected, float64(kills), 4*sd+0.3*expected+1, "%s: the model's expectation", kc.name)
		}
	}
}

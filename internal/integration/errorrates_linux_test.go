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
	"math"
	"math/rand/v2"
	"net"
	"slices"
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

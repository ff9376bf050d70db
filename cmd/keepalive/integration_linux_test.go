package main

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

// Run again inside a namespace, the test binary is the peer (an End) or
// the command itself, as main runs it: the Call "keepalive", whose Arg
// is the arguments in JSON (startCommand).
func init() {
	netns.Play(map[string]netns.CallFunc{"keepalive": func(args string, _ func()) error {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			return err
		}
		os.Exit(command(argv))
		return nil
	}}, nil)
}

// startCommand runs the command with args in namespace ns.
func startCommand(t *testing.T, n *netns.Network, ns string, args ...string) *netns.Process {
	t.Helper()
	b, err := json.Marshal(args)
	require.NoError(t, err)
	return n.StartCall(ns, "keepalive", string(b))
}

// TestIntegrationConnectDeadPeer: -connect -hold against a peer that
// vanishes after answering a keep-alive probe. The command dies with
// ETIMEDOUT Timeout() after the last packet received, the probe's
// answer, not after the last data, and says so (since_packet).
func TestIntegrationConnectDeadPeer(t *testing.T) {
	n := netns.New(t)
	peer := n.Start(n.Peer, netns.End{Listen: "0.0.0.0:7777", How: netns.HowGo, Mode: netns.Idle, NoGreeting: true})
	peer.Expect("ready", 10*time.Second)
	cmd := startCommand(t, n, n.Client, "-json", "-connect", netns.PeerAddr+":7777", "-config", "idle=2s,interval=1s,count=3", "-hold", "60s", "-every", "500ms")
	cmd.Expect(`{"config"`, 10*time.Second)
	peer.Expect("exchanged", 10*time.Second)
	// No data flows; cut once an "alive" event shows a packet received
	// after the last data: the first probe (at idle, 2s) was answered.
	for {
		alive := event(t, `{"event":"alive"`, cmd.Expect(`{"event":"alive"`, 10*time.Second))
		if alive["quiet"]-alive["since_packet"] > time.Second {
			t.Logf("probe answered: %v", alive)
			break
		}
	}
	n.Cut()
	died := event(t, `{"error"`, cmd.Expect(`{"error"`, 20*time.Second)) // JSON keys come sorted
	// Timeout() is 5s from the last packet received; timers fire late by
	// at most 1/8 (see the library's integration tests).
	const want = 5 * time.Second
	assert.GreaterOrEqual(t, died["since_packet"], want-100*time.Millisecond)
	assert.LessOrEqual(t, died["since_packet"], want+want/8+500*time.Millisecond)
	assert.Greater(t, died["quiet"]-died["since_packet"], time.Second, "quiet counts from the last data, before the answered probe")
}

// TestIntegrationHoldDatabase: -hold -ping against a real PostgreSQL
// server, which closes the connection once -ping's bytes make an invalid
// startup packet, says the server closed it, not the path.
func TestIntegrationHoldDatabase(t *testing.T) {
	n := netns.New(t)
	addr := n.StartPostgres(t)
	cmd := startCommand(t, n, n.Client, "-json", "-connect", addr, "-hold", "60s", "-ping", "200ms")
	line := cmd.Expect(`{"error"`, 30*time.Second) // JSON keys come sorted: the died event
	var died map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"error"`+line), &died))
	t.Logf("died: %v", died)
	assert.Equal(t, "died", died["event"])
	assert.Equal(t, true, died["server_close"], "PostgreSQL's close is the server's")
	assert.Contains(t, died["likely"], "after -ping's byte")
}

// event parses the JSON line prefix+rest of a "died" or "alive" event,
// checks its kind, and returns its durations.
func event(t *testing.T, prefix, rest string) map[string]time.Duration {
	t.Helper()
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(prefix+rest), &ev))
	durations := map[string]time.Duration{}
	for _, key := range []string{"quiet", "since_packet"} {
		s, ok := ev[key].(string)
		require.True(t, ok, "%s missing in %v", key, ev)
		d, err := time.ParseDuration(s)
		require.NoError(t, err)
		durations[key] = d
	}
	if prefix == `{"error"` {
		t.Logf("died: %v", ev)
		assert.Equal(t, "died", ev["event"])
		assert.Contains(t, ev["how"], "ETIMEDOUT")
		assert.Equal(t, false, ev["server_close"], "the path's drop is not taken for the server's close")
	}
	return durations
}

// TestIntegrationFindIdleTimeout: -find-idle-timeout against -listen
// across a middlebox that forgets flows idle 5s, dropping or resetting
// what comes next, and across a plain router, all at once.
func TestIntegrationFindIdleTimeout(t *testing.T) {
	netns.NeedNFT(t)
	const max = 20 * time.Second
	type run struct {
		name  string
		box   *netns.Middlebox
		check func(t *testing.T, answer map[string]any)
		cmd   *netns.Process
	}
	found := func(how string) func(t *testing.T, answer map[string]any) {
		return func(t *testing.T, answer map[string]any) {
			// Probes go out 1s apart; one idle exactly 5s may still catch
			// the entry before conntrack expires it.
			require.IsType(t, float64(0), answer["idle_timeout_s"])
			got := answer["idle_timeout_s"].(float64)
			assert.Contains(t, []float64{5, 6}, got)
			assert.Equal(t, got-1, answer["kept_s"])
			assert.Contains(t, answer["how"], how)
			assert.NotEmpty(t, answer["under"])
		}
	}
	runs := []*run{
		{name: "drop", box: &netns.Middlebox{IdleTimeout: 5 * time.Second}, check: found("dropped silently")},
		{name: "reset", box: &netns.Middlebox{IdleTimeout: 5 * time.Second, Reset: true}, check: found("ECONNRESET")},
		{name: "no middlebox", check: func(t *testing.T, answer map[string]any) {
			assert.Contains(t, answer, "idle_timeout_s")
			assert.Nil(t, answer["idle_timeout_s"])
			assert.Equal(t, max.Seconds(), answer["kept_s"])
		}},
	}
	for _, r := range runs {
		n := netns.New(t)
		if r.box != nil {
			n.Middlebox(*r.box)
		}
		server := startCommand(t, n, n.Peer, "-listen", "0.0.0.0:7777")
		server.Expect("", 10*time.Second)
		r.cmd = startCommand(t, n, n.Client, "-json", "-connect", netns.PeerAddr+":7777", "-find-idle-timeout", max.String(), "-every", "2s")
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			deadline := time.Now().Add(max + 20*time.Second)
			for {
				line, err := r.cmd.Wait("{", time.Until(deadline))
				require.NoError(t, err)
				var ev map[string]any
				require.NoError(t, json.Unmarshal([]byte("{"+line), &ev))
				if ev["event"] != "idle-timeout" {
					continue
				}
				t.Logf("answer: %v", ev)
				r.check(t, ev)
				return
			}
		})
	}
}

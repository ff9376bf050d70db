package main

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/netns"
)

const argsEnv = "KEEPALIVE_CMD_ARGS"

// Run again inside a namespace, the test binary is the peer (an End) or
// the command itself, as main runs it, with the arguments in argsEnv.
func init() {
	netns.RunEnd()
	if spec := os.Getenv(argsEnv); spec != "" {
		var args []string
		if err := json.Unmarshal([]byte(spec), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(command(args))
	}
}

// TestIntegrationConnectDeadPeer: -connect -hold against a peer that
// vanishes after answering a keep-alive probe. The command dies with
// ETIMEDOUT Timeout() after the last packet received, the probe's
// answer, not after the last data, and says so (since_packet).
func TestIntegrationConnectDeadPeer(t *testing.T) {
	n := netns.New(t)
	peer := n.Start(n.Peer, netns.End{Listen: "0.0.0.0:7777", How: "go", Mode: "idle", NoGreeting: true})
	peer.Expect("ready", 10*time.Second)
	args, err := json.Marshal([]string{"-json", "-connect", netns.PeerAddr + ":7777", "-config", "idle=2s,interval=1s,count=3", "-hold", "60s", "-every", "500ms"})
	require.NoError(t, err)
	cmd := n.Run(n.Client, argsEnv+"="+string(args))
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
	}
	return durations
}

package main

import (
	"context"
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
// the command itself, with the arguments in argsEnv.
func init() {
	netns.RunEnd()
	if spec := os.Getenv(argsEnv); spec != "" {
		var args []string
		if err := json.Unmarshal([]byte(spec), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		if err := run(context.Background(), args, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "keepalive:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
}

// TestIntegrationConnectDeadPeer: -connect -hold against a peer that
// vanishes reports ETIMEDOUT about Timeout() after it was last heard.
func TestIntegrationConnectDeadPeer(t *testing.T) {
	n := netns.New(t)
	peer := n.Start(n.Peer, netns.End{Listen: "0.0.0.0:7777", How: "go", Mode: "idle", NoGreeting: true})
	peer.Expect("ready", 10*time.Second)
	args, err := json.Marshal([]string{"-json", "-connect", netns.PeerAddr + ":7777", "-config", "idle=2s,interval=1s,count=3", "-hold", "30s", "-every", "1s"})
	require.NoError(t, err)
	cmd := n.Run(n.Client, argsEnv+"="+string(args))
	cmd.Expect(`{"config"`, 10*time.Second)
	peer.Expect("exchanged", 10*time.Second)
	n.Cut()
	line := cmd.Expect(`{"error"`, 20*time.Second) // the "died" event; JSON keys come sorted
	var died map[string]any
	require.NoError(t, json.Unmarshal([]byte(`{"error"`+line), &died))
	t.Logf("died: %v", died)
	assert.Equal(t, "died", died["event"])
	assert.Contains(t, died["how"], "ETIMEDOUT")
	quiet, err := time.ParseDuration(died["quiet"].(string))
	require.NoError(t, err)
	// Timeout() is 5s from the last packet heard; timers fire late by at
	// most 1/8 (see the library's integration tests).
	assert.InDelta(t, 5*time.Second+300*time.Millisecond, quiet, float64(900*time.Millisecond))
}

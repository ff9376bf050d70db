package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHoldPrintsHealth(t *testing.T) {
	needLinux(t)
	addr := peer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-json", "-connect", addr, "-hold", "500ms", "-config", "idle=30s,interval=5s,count=3"}, &out, &out))
	var health []map[string]any
	for _, ev := range events(t, out.String()) {
		if ev["event"] == "health" {
			health = append(health, ev)
		}
	}
	// A live idle connection: one line, at the start; nothing changes.
	require.Len(t, health, 1, "%s", &out)
	assert.Equal(t, "ESTABLISHED", health[0]["state"])
	assert.Equal(t, false, health[0]["unanswered"])
	assert.Equal(t, float64(0), health[0]["probes"])
	assert.Contains(t, health[0], "gives_up_in")
}

func TestDiedWith(t *testing.T) {
	// Stand-ins for the kernel's errors (plan9 has no errno for them).
	timedOut, reset, brokenPipe := errors.New("timed out"), errors.New("reset"), errors.New("broken pipe")
	for _, tt := range []struct {
		name        string
		read, taken error
		want        error
	}{
		{"reader alone", timedOut, nil, timedOut},
		{"Inspect took it, reader saw EOF", io.EOF, timedOut, timedOut},
		{"Inspect took it, reader not back", nil, reset, reset},
		{"reader took it, Inspect saw it closed", timedOut, brokenPipe, timedOut},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.True(t, errors.Is(diedWith(tt.read, tt.taken), tt.want))
		})
	}
}

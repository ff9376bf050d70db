package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"syscall"
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
	for _, tt := range []struct {
		name        string
		read, taken error
		want        error
	}{
		{"reader alone", syscall.ETIMEDOUT, nil, syscall.ETIMEDOUT},
		{"Inspect took it, reader saw EOF", io.EOF, syscall.ETIMEDOUT, syscall.ETIMEDOUT},
		{"Inspect took it, reader not back", nil, syscall.ECONNRESET, syscall.ECONNRESET},
		{"reader took it, Inspect saw it closed", syscall.ETIMEDOUT, syscall.EPIPE, syscall.ETIMEDOUT},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.True(t, errors.Is(diedWith(tt.read, tt.taken), tt.want))
		})
	}
}

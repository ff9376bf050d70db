package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest/fdlimit"
)

// TestConfigFallbackWarning: with a field left to the system and /proc
// unreadable (fd exhaustion), the config line's timeout takes Linux's
// defaults, and a warning says so; with /proc readable, none (issue 18,
// Also).
func TestConfigFallbackWarning(t *testing.T) {
	cfg := keepalive.Config{Idle: keepalive.System}
	var out bytes.Buffer
	(&reporter{w: &out, json: true}).config(cfg)
	assert.NotContains(t, out.String(), "cannot be read")

	restore := fdlimit.Exhaust(t)
	out.Reset()
	(&reporter{w: &out, json: true}).config(cfg)
	restore()
	evs := events(t, out.String())
	require.Len(t, evs, 2, out.String())
	assert.Equal(t, "warning", evs[1]["event"])
	assert.Contains(t, evs[1]["warning"], "takes Linux's defaults (2h, 75s, 9) for the fields left to the system, which cannot be read")
	assert.Contains(t, evs[1]["warning"], "too many open files")
}

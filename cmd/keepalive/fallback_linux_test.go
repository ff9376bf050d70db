package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
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

	var lim unix.Rlimit
	require.NoError(t, unix.Getrlimit(unix.RLIMIT_NOFILE, &lim))
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	low := lim
	low.Cur = uint64(len(entries)) + 8
	require.NoError(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &low))
	var held []int
	for {
		fd, err := unix.Open("/dev/null", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			break
		}
		held = append(held, fd)
	}
	out.Reset()
	(&reporter{w: &out, json: true}).config(cfg)
	for _, fd := range held {
		unix.Close(fd)
	}
	require.NoError(t, unix.Setrlimit(unix.RLIMIT_NOFILE, &lim))
	evs := events(t, out.String())
	require.Len(t, evs, 2, out.String())
	assert.Equal(t, "warning", evs[1]["event"])
	assert.Contains(t, evs[1]["warning"], "takes Linux's defaults (2h, 75s, 9) for the fields left to the system, which cannot be read")
	assert.Contains(t, evs[1]["warning"], "too many open files")
}

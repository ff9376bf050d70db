package main

import (
	"bytes"
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJSONErrors: with -json, an error that ends the command is an
// "error" event on stdout, after the events before it, and nothing goes
// to stderr.
func TestJSONErrors(t *testing.T) {
	needLinux(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	for _, tt := range []struct {
		name string
		args []string
		op   string
		want string
	}{
		{"failed dial", []string{"-json", "-connect", "127.0.0.1:1"}, "dial", "connection refused"},
		{"failed listen", []string{"-json", "-listen", taken.Addr().String()}, "listen", "address already in use"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, &stdout, &stderr)
			require.Error(t, err)
			assert.True(t, isReported(err), "main would print it again: %v", err)
			assert.Empty(t, stderr.String())
			evs := events(t, stdout.String())
			require.Len(t, evs, 2, stdout.String())
			assert.Equal(t, "config", evs[0]["event"])
			assert.Equal(t, "error", evs[1]["event"])
			assert.Equal(t, tt.op, evs[1]["op"])
			assert.Contains(t, evs[1]["error"], tt.want)
		})
	}
	t.Run("text", func(t *testing.T) {
		var stdout, stderr bytes.Buffer
		err := run(context.Background(), []string{"-connect", "127.0.0.1:1"}, &stdout, &stderr)
		require.Error(t, err)
		assert.False(t, isReported(err), "main must print it")
		assert.Contains(t, err.Error(), "connection refused")
		assert.NotContains(t, stdout.String(), "connection refused")
	})
}

// TestJSONPlain: JSON lines keep "->" of Go's errors readable.
func TestJSONPlain(t *testing.T) {
	var out bytes.Buffer
	r := &reporter{w: &out, json: true}
	r.event("died", fields{"error": "read tcp 10.0.0.1:5->10.0.0.2:7: read: connection timed out"}, "")
	assert.Contains(t, out.String(), `"error":"read tcp 10.0.0.1:5->10.0.0.2:7: read: connection timed out"`)
	assert.Equal(t, "died", events(t, out.String())[0]["event"])
}

func TestJSON(t *testing.T) {
	needLinux(t)
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-json", "-config", "idle=9s"}, &out, &out))
	evs := events(t, out.String())
	require.Len(t, evs, 3)
	assert.Equal(t, "config", evs[0]["event"])
	for _, ev := range evs[1:] {
		assert.Equal(t, true, ev["keepalive"])
		assert.Equal(t, "idle=9s,interval=15s,count=9", ev["config"])
	}
}

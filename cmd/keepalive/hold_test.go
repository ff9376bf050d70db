package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHold(t *testing.T) {
	needLinux(t)
	t.Run("held to the end, pinging", func(t *testing.T) {
		got := make(chan int, 1)
		addr := peer(t, func(c net.Conn) {
			n, _ := io.Copy(io.Discard, c)
			got <- int(n)
		})
		var out bytes.Buffer
		err := run(context.Background(), []string{"-json", "-connect", addr, "-hold", "1s", "-every", "300ms", "-ping", "200ms"}, &out, &out)
		require.NoError(t, err)
		evs := events(t, out.String())
		last := evs[len(evs)-1]
		assert.Equal(t, "summary", last["event"])
		assert.Equal(t, "still open", last["outcome"])
		assert.Greater(t, last["sent"], float64(0))
		var alive int
		for _, ev := range evs {
			if ev["event"] == "alive" {
				alive++
			}
		}
		assert.GreaterOrEqual(t, alive, 2)
	})
	t.Run("closed by the peer", func(t *testing.T) {
		addr := peer(t, func(c net.Conn) { time.Sleep(200 * time.Millisecond) })
		var out bytes.Buffer
		err := run(context.Background(), []string{"-connect", addr, "-hold", "10s"}, &out, &out)
		require.ErrorIs(t, err, errDied)
		assert.Contains(t, out.String(), "closed by the peer (EOF) after")
	})
	t.Run("interrupted", func(t *testing.T) {
		addr := peer(t, func(c net.Conn) { io.Copy(io.Discard, c) })
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		var out bytes.Buffer
		require.NoError(t, run(ctx, []string{"-connect", addr, "-hold", "1m"}, &out, &out))
		assert.Contains(t, out.String(), "interrupted, still open after")
	})
}

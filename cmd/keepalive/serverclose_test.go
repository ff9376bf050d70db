//go:build !plan9 && !windows

package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServerClose: a FIN or RST soon after connect is taken for the
// server's own close, with what points at it; a timeout, or a close
// long after connect, is not.
func TestServerClose(t *testing.T) {
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	timedOut := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ETIMEDOUT)}
	aborted := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNABORTED)}
	broken := &net.OpError{Op: "write", Net: "tcp", Err: os.NewSyscallError("write", syscall.EPIPE)}
	for _, tt := range []struct {
		name            string
		err             error
		held, sinceSent time.Duration
		sent, received  int
		want            string // "" for none
	}{
		{"FIN soon after connect", io.EOF, 59 * time.Second, 0, 0, 0, "59s after connect: sooner than middleboxes forget a flow"},
		{"RST after a greeting", reset, 10 * time.Second, 0, 0, 78, "it spoke first (78 bytes"},
		{"FIN right after -ping's byte", io.EOF, 800 * time.Millisecond, 3 * time.Millisecond, 4, 0, "3ms after -ping's byte"},
		{"RST long after -ping's byte", reset, 30 * time.Second, 20 * time.Second, 1, 0, "30s after connect"},
		{"RST long after connect", reset, 10 * time.Minute, 0, 0, 0, ""},
		{"FIN long after connect", io.EOF, 3 * time.Minute, time.Millisecond, 5, 10, ""},
		{"timed out soon after connect", timedOut, 5 * time.Second, 0, 0, 0, ""},
		// The library's resets (kernel.Errno.Reset): an abort and a
		// write after a reset count as the RST.
		{"aborted soon after connect", aborted, 5 * time.Second, 0, 0, 0, "5s after connect"},
		{"broken pipe right after -ping's byte", broken, time.Second, 2 * time.Millisecond, 1, 0, "2ms after -ping's byte"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := serverClose(tt.err, tt.held, tt.sinceSent, tt.sent, tt.received)
			if tt.want == "" {
				assert.Empty(t, got)
				return
			}
			assert.Contains(t, got, tt.want)
			assert.Contains(t, got, "most likely the server's own close")
			assert.Contains(t, got, "keepalive -listen")
		})
	}
}

// TestHoldServerClose: -hold against servers on loopback that close as
// databases do — a greeting, then a reset when no login comes (MariaDB's
// connect_timeout), or a close on -ping's bytes (PostgreSQL) — reports
// the server's close as such, and exits 1; a close by a server that
// waits longer than soonAfterConnect is TestServerClose's.
func TestHoldServerClose(t *testing.T) {
	needLinux(t)
	for _, tt := range []struct {
		name   string
		server func(net.Conn)
		args   []string
		want   string
	}{
		{"greeting, then reset", func(c net.Conn) {
			c.Write([]byte("5.5.5-10.11.6-MariaDB greeting"))
			time.Sleep(300 * time.Millisecond)
			c.(*net.TCPConn).SetLinger(0) // RST
		}, nil, "it spoke first (30 bytes"},
		{"closed on -ping's bytes", func(c net.Conn) {
			io.ReadFull(c, make([]byte, 4)) // a startup packet's length: 0, invalid
		}, []string{"-ping", "50ms"}, "after -ping's byte"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			addr := peer(t, tt.server)
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"-json", "-connect", addr, "-hold", "10s"}, tt.args...), &out, &out)
			require.ErrorIs(t, err, errDied)
			assert.Equal(t, 1, exitCode(err, &out))
			var died, summary map[string]any
			for _, ev := range events(t, out.String()) {
				switch ev["event"] {
				case "died":
					died = ev
				case "summary":
					summary = ev
				}
			}
			require.NotNil(t, died, out.String())
			assert.Equal(t, true, died["server_close"])
			assert.Contains(t, died["likely"], tt.want)
			require.NotNil(t, summary, out.String())
			assert.Contains(t, summary["outcome"], "died (most likely the server's own close, not the path's): ")
		})
	}
}

package keepaliveredis_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveredis"
	"github.com/tcpkeepalive/keepalive/internal/tracktest"
)

// TestPoolAsksCheck: go-redis's pool asks the check about an idle
// connection before handing it out, and dials anew when the peer is
// gone; a suspect is pinged and kept. A real redis-server on loopback;
// the check stands in for keepalive.Check.
func TestPoolAsksCheck(t *testing.T) {
	addr := loopbackRedis(t)
	for _, tt := range []struct {
		name  string
		err   error // the check's answer
		dials int32 // after two commands
	}{
		{"nil keeps the connection", nil, 1},
		{"a suspect answers its PING: kept", fmt.Errorf("check: %w", keepalive.ErrUnanswered), 1},
		{"the peer's FIN drops it", fmt.Errorf("check: %w", io.EOF), 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var dials, checks atomic.Int32
			dial := keepaliveredis.DialerWithCheck(cfg, func(c net.Conn) error {
				checks.Add(1)
				assert.IsType(t, &net.TCPConn{}, c, "the socket under the wrappers")
				return tt.err
			})
			c := redis.NewClient(&redis.Options{Addr: addr, Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
				dials.Add(1)
				return dial(ctx, network, addr)
			}})
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, c.Ping(ctx).Err())
			require.Equal(t, int32(1), dials.Load())
			require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
			assert.Equal(t, tt.dials, dials.Load(), "connections dialed")
			assert.Positive(t, checks.Load(), "checks")
		})
	}
}

// TestCheckedRawConn: the Dialer's connection, on loopback. Its RawConn's
// Read, through which go-redis peeks, answers with keepalive.Check's
// error first: nil while the peer is there (the peek runs, and sees data
// waiting), io.EOF after its FIN, a peer-gone error after a reset.
// Control, which keepalive.Get uses, is the socket's own.
func TestCheckedRawConn(t *testing.T) {
	for _, tt := range []struct {
		name string
		peer func(*net.TCPConn)
		want func(t *testing.T, err error)
		peek bool             // the peek ran
		gone *keepalive.Cause // the discard's cause, if the pool's check discards it
	}{
		{"live", func(*net.TCPConn) {}, func(t *testing.T, err error) { assert.NoError(t, err) }, true, nil},
		{"live, data waiting", func(p *net.TCPConn) { p.Write([]byte("+OK\r\n")) }, func(t *testing.T, err error) { assert.NoError(t, err) }, true, nil},
		{"FIN", func(p *net.TCPConn) { p.Close() }, func(t *testing.T, err error) { assert.ErrorIs(t, err, io.EOF) }, false, ptr(keepalive.CauseEOF)},
		{"RST", func(p *net.TCPConn) { p.SetLinger(0); p.Close() }, func(t *testing.T, err error) {
			assert.True(t, keepalive.IsPeerGone(err), "%v", err)
		}, false, ptr(keepalive.CauseReset)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			conn, err := mustDialer(t, cfg)(context.Background(), "tcp", ln.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			require.NoError(t, tr.Track(conn))
			peer, err := ln.Accept()
			require.NoError(t, err)
			defer peer.Close()
			tt.peer(peer.(*net.TCPConn))
			time.Sleep(50 * time.Millisecond) // the FIN or RST reaches the socket

			st, err := keepalive.Get(conn)
			require.NoError(t, err)
			assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st)
			require.NoError(t, conn.SetDeadline(time.Time{})) // as go-redis's pool check does
			rc, err := conn.(syscall.Conn).SyscallConn()
			require.NoError(t, err)
			peeked := false
			err = rc.Read(func(fd uintptr) bool {
				var b [1]byte
				syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
				peeked = true
				return true
			})
			tt.want(t, err)
			assert.Equal(t, tt.peek, peeked, "the peek ran")
			assert.False(t, errors.Is(err, keepalive.ErrUnanswered))

			var want keepalive.Counts
			if tt.gone == nil {
				want.PoolChecks[keepalive.PoolKept] = 1
			} else {
				want.PoolChecks[keepalive.PoolDiscarded] = 1
				want.PoolDiscards[*tt.gone] = 1
				want.Gone[*tt.gone] = 1
			}
			assert.Equal(t, want, tracktest.Counts(t, tr), "the pool check, reported to the Tracker")
		})
	}
}

// TestCheckedRawConnConfirms: a suspect is confirmed by a PING when the
// pool checks it (it clears the deadline first, as go-redis's connCheck
// does): kept if +PONG comes back, dropped if nothing comes back within
// the connection's own few RTOs (loopback: 4 × 200ms) or something else
// does. Read by the client-side cache drainer (no cleared deadline), a
// suspect is kept and nothing is written.
func TestCheckedRawConnConfirms(t *testing.T) {
	for _, tt := range []struct {
		name      string
		answer    string // the server's answer to PING; "" for none
		poolCheck bool
		pinged    bool
		drop      bool
	}{
		{"PONG: kept", "+PONG\r\n", true, true, false},
		{"silent: dropped", "", true, true, true},
		{"an error: dropped", "-LOADING\r\n", true, true, true},
		{"drainer: kept, not pinged", "+PONG\r\n", false, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			defer ln.Close()
			conn, err := keepaliveredis.DialerWithCheck(cfg, func(net.Conn) error { return keepalive.ErrUnanswered })(context.Background(), "tcp", ln.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			require.NoError(t, tr.Track(conn))
			peer, err := ln.Accept()
			require.NoError(t, err)
			defer peer.Close()
			got := make(chan string, 1)
			go func() {
				buf := make([]byte, 6)
				wait := 2 * time.Second
				if !tt.pinged {
					wait = 200 * time.Millisecond // nothing should come
				}
				peer.SetReadDeadline(time.Now().Add(wait))
				n, _ := io.ReadFull(peer, buf)
				got <- string(buf[:n])
				if tt.answer != "" {
					peer.Write([]byte(tt.answer))
				}
			}()
			if tt.poolCheck {
				require.NoError(t, conn.SetDeadline(time.Time{}))
			}
			rc, err := conn.(syscall.Conn).SyscallConn()
			require.NoError(t, err)
			peeked := false
			start := time.Now()
			err = rc.Read(func(uintptr) bool { peeked = true; return true })
			if tt.drop {
				assert.Error(t, err)
				assert.False(t, peeked)
			} else {
				assert.NoError(t, err)
				assert.True(t, peeked)
			}
			if tt.name == "silent: dropped" {
				assert.GreaterOrEqual(t, time.Since(start), 800*time.Millisecond, "the PONG was waited for")
			}
			wrote := <-got
			if tt.pinged {
				assert.Equal(t, "PING\r\n", wrote)
			} else {
				assert.Empty(t, wrote)
			}
			// A suspect not confirmed is discarded as unanswered; the
			// drainer's read is no pool check.
			var want keepalive.Counts
			switch {
			case tt.drop:
				want.PoolChecks[keepalive.PoolDiscarded] = 1
				want.PoolDiscards[keepalive.CauseUnanswered] = 1
			case tt.poolCheck:
				want.PoolChecks[keepalive.PoolConfirmed] = 1
			}
			assert.Equal(t, want, tracktest.Counts(t, tr), "the pool check, reported to the Tracker")
		})
	}
}

func ptr[T any](v T) *T { return &v }

package keepalive_test

// The dial side on real sockets: WithKeepalive and Control with the
// Dialer's own hooks, read back from the kernel.

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

func TestHooksCompose(t *testing.T) {
	errHook := errors.New("hook says no")
	// own is the Dialer's own hook: it counts its runs, and fails if told.
	own := func(ran *atomic.Int32, fail bool) error {
		ran.Add(1)
		if fail {
			return errHook
		}
		return nil
	}
	for _, tt := range []struct {
		name    string
		dialer  func(ran *atomic.Int32, fail bool) *net.Dialer
		wantErr bool
	}{
		{"Control", func(ran *atomic.Int32, fail bool) *net.Dialer {
			return &net.Dialer{Timeout: 3 * time.Second, FallbackDelay: 42 * time.Millisecond, Control: func(network, address string, rc syscall.RawConn) error {
				return own(ran, fail)
			}}
		}, false},
		{"ControlContext", func(ran *atomic.Int32, fail bool) *net.Dialer {
			return &net.Dialer{Timeout: 3 * time.Second, FallbackDelay: 42 * time.Millisecond, ControlContext: func(ctx context.Context, network, address string, rc syscall.RawConn) error {
				return own(ran, fail)
			}}
		}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var ran atomic.Int32
			d := tt.dialer(&ran, false)
			keepalive.WithKeepalive(cfg)(d)
			assert.Equal(t, 3*time.Second, d.Timeout)
			assert.Equal(t, 42*time.Millisecond, d.FallbackDelay)
			dialed, _ := pair(t, listen(t, nil), d)
			assert.Equal(t, int32(1), ran.Load())
			assert.Equal(t, ours, readKernel(t, dialed))

			// Without a user timeout the library needs no hook of its own;
			// the Dialer's stays and runs.
			d = tt.dialer(&ran, false)
			noUserTimeout := cfg
			noUserTimeout.UserTimeout = 0
			keepalive.WithKeepalive(noUserTimeout)(d)
			dialed, _ = pair(t, listen(t, nil), d)
			assert.Equal(t, int32(2), ran.Load())
			want := ours
			want.UserTimeout = 0
			assert.Equal(t, want, readKernel(t, dialed))

			d = tt.dialer(&ran, true)
			keepalive.WithKeepalive(cfg)(d)
			ln := listen(t, nil)
			_, err := d.Dial("tcp", ln.Addr().String())
			assert.ErrorIs(t, err, errHook)
			assert.Equal(t, int32(3), ran.Load())
		})
	}
}

func TestControlHook(t *testing.T) {
	dialed, _ := pair(t, listen(t, nil), &net.Dialer{KeepAlive: -1})
	rc, err := dialed.SyscallConn()
	require.NoError(t, err)
	before := readKernel(t, dialed)
	require.False(t, before.KeepAlive)
	hook := keepalive.Control(cfg)
	require.NoError(t, hook("udp", "", rc))
	assert.Equal(t, before, readKernel(t, dialed), "the hook touched a non-TCP network's socket")
	require.NoError(t, hook("tcp4", "", rc))
	assert.Equal(t, ours, readKernel(t, dialed))
}

// TestWithKeepaliveReplaces: applying WithKeepalive again replaces the
// Config it applied before, whichever hook the Dialer had of its own.
func TestWithKeepaliveReplaces(t *testing.T) {
	noUT := cfg
	noUT.UserTimeout = 0
	invalid := keepalive.Config{Idle: -5 * time.Second}
	for _, own := range []string{"no hook", "Control", "ControlContext"} {
		t.Run(own, func(t *testing.T) {
			var ran atomic.Int32
			newDialer := func() *net.Dialer {
				d := &net.Dialer{Timeout: 5 * time.Second}
				switch own {
				case "Control":
					d.Control = func(string, string, syscall.RawConn) error { ran.Add(1); return nil }
				case "ControlContext":
					d.ControlContext = func(context.Context, string, string, syscall.RawConn) error { ran.Add(1); return nil }
				}
				return d
			}
			// hookCalls calls the Dialer's hook once on a real socket and
			// counts the Control calls it makes.
			hookCalls := func(d *net.Dialer) int32 {
				var calls atomic.Int32
				rc := countingRC{rawOf(t), &calls}
				var err error
				switch {
				case d.ControlContext != nil:
					err = d.ControlContext(context.Background(), "tcp4", "127.0.0.1:1", rc)
				case d.Control != nil:
					err = d.Control("tcp4", "127.0.0.1:1", rc)
				}
				require.NoError(t, err)
				return calls.Load()
			}

			d := newDialer()
			for range 1000 {
				keepalive.WithKeepalive(cfg)(d)
			}
			before := ran.Load()
			assert.Equal(t, int32(1), hookCalls(d), "1000 applications make one hook")
			if own != "no hook" {
				assert.Equal(t, before+1, ran.Load(), "the Dialer's own hook runs once")
			}
			dialed, _ := pair(t, listen(t, nil), d)
			assert.Equal(t, ours, readKernel(t, dialed))
			assert.Equal(t, own == "Control", d.Control != nil, "the hook stays in the field it was in")

			// A Config without a user timeout leaves no hook of the
			// library's: the Dialer's own, or none, is back.
			keepalive.WithKeepalive(noUT)(d)
			assert.Zero(t, hookCalls(d))
			if own == "no hook" {
				assert.Nil(t, d.ControlContext)
				assert.Nil(t, d.Control)
			}
			dialed, _ = pair(t, listen(t, nil), d)
			want := ours
			want.UserTimeout = 0
			assert.Equal(t, want, readKernel(t, dialed), "no user timeout left from the first Config")

			// An invalid Config fails dials until a valid one replaces it.
			d = newDialer()
			keepalive.WithKeepalive(invalid)(d)
			ln := listen(t, nil)
			_, err := d.Dial("tcp", ln.Addr().String())
			var cerr *keepalive.ConfigError
			require.ErrorAs(t, err, &cerr)
			keepalive.WithKeepalive(cfg)(d)
			dialed, _ = pair(t, ln, d)
			assert.Equal(t, ours, readKernel(t, dialed), "no error left from the invalid Config")
		})
	}
}

// TestWithKeepaliveUserWrapper: re-applying WithKeepalive replaces the
// Config inside a user's hook assigned before it, and cannot inside one
// assigned after it that wraps the library's, as WithKeepalive's doc says
// (issue 18, 6). Read on the dialed socket.
func TestWithKeepaliveUserWrapper(t *testing.T) {
	ln := listen(t, nil)
	logging := func(calls *int, next func(context.Context, string, string, syscall.RawConn) error) func(context.Context, string, string, syscall.RawConn) error {
		return func(ctx context.Context, network, address string, rc syscall.RawConn) error {
			*calls++
			if next == nil {
				return nil
			}
			return next(ctx, network, address, rc)
		}
	}
	for _, tt := range []struct {
		name   string
		before bool          // the user's hook is assigned before WithKeepalive
		want   time.Duration // TCP_USER_TIMEOUT after re-applying Config{}
	}{
		{"user hook assigned before: replaced", true, 0},
		{"user hook wrapping the library's: the earlier Config stays", false, 7 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var calls int
			d := &net.Dialer{}
			if tt.before {
				d.ControlContext = logging(&calls, nil)
			}
			keepalive.WithKeepalive(keepalive.Config{UserTimeout: 7 * time.Second})(d)
			if !tt.before {
				d.ControlContext = logging(&calls, d.ControlContext)
			}
			keepalive.WithKeepalive(keepalive.Config{})(d)
			dialed, _ := pair(t, ln, d)
			k := readKernel(t, dialed)
			assert.Equal(t, tt.want, k.UserTimeout)
			assert.Equal(t, 1, calls, "the user's hook runs once per dial")
			assert.True(t, k.KeepAlive)
		})
	}
}

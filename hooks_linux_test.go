package keepalive_test

import (
	"context"
	"errors"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
)

// countingRC is a real socket's RawConn that counts the hooks' Control
// calls: one per layer of the library's hook that sets an option.
type countingRC struct {
	syscall.RawConn
	calls *atomic.Int32
}

func (c countingRC) Control(f func(fd uintptr)) error {
	c.calls.Add(1)
	return c.RawConn.Control(f)
}

// rawOf returns the RawConn of a fresh loopback TCP connection.
func rawOf(t *testing.T) syscall.RawConn {
	t.Helper()
	dialed, _ := pair(t, listen(t, nil), nil)
	rc, err := dialed.SyscallConn()
	require.NoError(t, err)
	return rc
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

// TestConfigureListenConfig: the ListenConfig's own hook runs first and
// its error fails Listen; configuring again replaces the Config.
func TestConfigureListenConfig(t *testing.T) {
	t.Run("own hook first: SO_REUSEPORT", func(t *testing.T) {
		var order []string
		lc := &net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
			order = append(order, "own")
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
			})
			return errors.Join(err, serr)
		}}
		keepalive.ConfigureListenConfig(lc, cfg)
		ln := listen(t, lc)
		assert.Equal(t, []string{"own"}, order)
		rc, err := ln.(*net.TCPListener).SyscallConn()
		require.NoError(t, err)
		var reuse int
		require.NoError(t, rc.Control(func(fd uintptr) { reuse, _ = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT) }))
		assert.Equal(t, 1, reuse)
		_, accepted := pair(t, ln, nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("own hook's error fails Listen", func(t *testing.T) {
		errOwn := errors.New("own hook says no")
		lc := &net.ListenConfig{Control: func(string, string, syscall.RawConn) error { return errOwn }}
		keepalive.ConfigureListenConfig(lc, cfg)
		_, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		assert.ErrorIs(t, err, errOwn)
	})
	t.Run("configuring again replaces", func(t *testing.T) {
		var ran atomic.Int32
		lc := &net.ListenConfig{Control: func(string, string, syscall.RawConn) error { ran.Add(1); return nil }}
		for range 1000 {
			keepalive.ConfigureListenConfig(lc, cfg)
		}
		var calls atomic.Int32
		require.NoError(t, lc.Control("tcp4", "127.0.0.1:0", countingRC{rawOf(t), &calls}))
		assert.Equal(t, int32(1), calls.Load(), "1000 configurations make one hook")
		assert.Equal(t, int32(1), ran.Load())

		keepalive.ConfigureListenConfig(lc, keepalive.Config{Count: -3})
		_, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
		var cerr *keepalive.ConfigError
		require.ErrorAs(t, err, &cerr)

		noUT := cfg
		noUT.UserTimeout = 0
		keepalive.ConfigureListenConfig(lc, noUT)
		_, accepted := pair(t, listen(t, lc), nil)
		want := ours
		want.UserTimeout = 0
		assert.Equal(t, want, readKernel(t, accepted), "no user timeout, no error left from earlier Configs")
	})
	t.Run("nil", func(t *testing.T) {
		assert.NotPanics(t, func() { keepalive.ConfigureListenConfig(nil, cfg) })
	})
}

// TestListen: the whole Config on every accepted connection, nothing per
// accept on Linux, and an invalid Config fails with its *ConfigError.
func TestListen(t *testing.T) {
	ln, err := keepalive.Listen(context.Background(), "tcp", "127.0.0.1:0", cfg)
	require.NoError(t, err)
	defer ln.Close()
	require.IsType(t, &net.TCPListener{}, ln, "Linux: set once on the listening socket")
	_, accepted := pair(t, ln, nil)
	assert.Equal(t, ours, readKernel(t, accepted))

	_, err = keepalive.Listen(context.Background(), "tcp", "127.0.0.1:0", keepalive.Config{Interval: 40000 * time.Second})
	var cerr *keepalive.ConfigError
	require.ErrorAs(t, err, &cerr)
	assert.Equal(t, "Interval", cerr.Field)

	u, err := keepalive.Listen(context.Background(), "unix", t.TempDir()+"/s", cfg)
	require.NoError(t, err, "other networks listen unchanged")
	u.Close()
}

// fileConn is a net.Conn whose SyscallConn is an *os.File's: a pipe, not
// a socket.
type fileConn struct {
	net.Conn
	f *os.File
}

func (c fileConn) SyscallConn() (syscall.RawConn, error) { return c.f.SyscallConn() }

// listenerOf hands out its conns, then net.ErrClosed.
type listenerOf struct {
	net.Listener
	conns chan net.Conn
}

func (l listenerOf) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	default:
		return nil, net.ErrClosed
	}
}

// TestListenerReturnsNonSocket: a connection whose SyscallConn is not a
// socket is not TCP, so a Listener returns it unchanged and reports it,
// as its policy says, instead of closing it as a refusal (issue 18, 5).
func TestListenerReturnsNonSocket(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	conn := fileConn{p1, w}
	var reported []error
	ln := &keepalive.Listener{Listener: listenerOf{conns: make(chan net.Conn, 1)}, Config: cfg,
		OnError: func(_ net.Conn, err error) { reported = append(reported, err) }}
	ln.Listener.(listenerOf).conns <- conn
	c, err := ln.Accept()
	require.NoError(t, err, "the connection was closed")
	assert.Equal(t, net.Conn(conn), c)
	require.Len(t, reported, 1)
	assert.ErrorContains(t, reported[0], "not a socket")
	go p1.Write([]byte{1})
	_, err = p2.Read(make([]byte, 1))
	assert.NoError(t, err, "the connection still works")
	_, err = w.Write([]byte{1})
	assert.NoError(t, err, "the pipe still works")

	err = keepalive.Set(conn, cfg)
	assert.ErrorContains(t, err, "not a socket")
	assert.ErrorIs(t, err, syscall.ENOTSOCK)
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

package keepalive_test

// Listen and ConfigureListenConfig on real sockets, read back from the
// kernel.

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
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
)

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

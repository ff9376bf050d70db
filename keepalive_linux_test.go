package keepalive_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// What the tests ask for, and what the kernel holds for a socket, read
// with getsockopt by the test itself (internal/sockettest, shared with
// internal/integration's tests).
var (
	cfg        = sockettest.Config
	ours       = sockettest.Ours
	readKernel = sockettest.ReadKernel
)

type kernel = sockettest.Kernel

// goDefaults is what Go's own keep-alive leaves on a socket.
var goDefaults = kernel{Protocol: unix.IPPROTO_TCP, KeepAlive: true, Idle: 15 * time.Second, Interval: 15 * time.Second, Count: 9, UserTimeout: 0}

// TestTheGoTrap shows the trap first: a Control hook alone is overwritten
// by Go once the socket is connected. Then each way in must end with
// exactly cfg on the socket.
func TestTheGoTrap(t *testing.T) {
	t.Run("control hook alone is overwritten", func(t *testing.T) {
		ln := listen(t, nil)
		dialed, _ := pair(t, ln, &net.Dialer{Control: keepalive.Control(cfg)})
		got := readKernel(t, dialed)
		assert.Equal(t, goDefaults.Idle, got.Idle, "Go no longer overwrites the hook's values; the library's reason to exist changed")
		assert.Equal(t, cfg.UserTimeout, got.UserTimeout)
	})
	t.Run("NewDialer", func(t *testing.T) {
		dialed, _ := pair(t, listen(t, nil), keepalive.NewDialer(keepalive.WithKeepalive(cfg)))
		assert.Equal(t, ours, readKernel(t, dialed))
	})
	t.Run("own Dialer", func(t *testing.T) {
		d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
		keepalive.WithKeepalive(cfg)(d)
		dialed, _ := pair(t, listen(t, nil), d)
		assert.Equal(t, ours, readKernel(t, dialed))
	})
	t.Run("ConfigureListenConfig", func(t *testing.T) {
		_, accepted := pair(t, listen(t, listenConfig(cfg)), nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("WrapListener", func(t *testing.T) {
		// net.Listen's listener has Go's per-accept keep-alive on.
		ln := keepalive.WrapListener(listen(t, nil), cfg)
		_, accepted := pair(t, ln, nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("Set", func(t *testing.T) {
		dialed, accepted := pair(t, listen(t, nil), nil)
		require.Equal(t, goDefaults, readKernel(t, accepted))
		require.NoError(t, keepalive.Set(dialed, cfg))
		require.NoError(t, keepalive.Set(accepted, cfg))
		assert.Equal(t, ours, readKernel(t, dialed))
		assert.Equal(t, ours, readKernel(t, accepted))
	})
}

func TestZeroConfigIsGoDefault(t *testing.T) {
	dialed, accepted := pair(t, listen(t, listenConfig(keepalive.Config{})), keepalive.NewDialer(keepalive.WithKeepalive(keepalive.Config{})))
	assert.Equal(t, goDefaults, readKernel(t, dialed))
	assert.Equal(t, goDefaults, readKernel(t, accepted))
}

func TestSystemLeavesTheSystemValue(t *testing.T) {
	sys := keepalive.Config{Idle: keepalive.System, Interval: keepalive.System, Count: keepalive.System}
	dialed, accepted := pair(t, listen(t, listenConfig(sys)), keepalive.NewDialer(keepalive.WithKeepalive(keepalive.Config{Idle: 37 * time.Second, Count: keepalive.System})))
	sysIdle, sysIntvl, sysCount := sysctl(t, "tcp_keepalive_time"), sysctl(t, "tcp_keepalive_intvl"), sysctl(t, "tcp_keepalive_probes")
	want := kernel{Protocol: unix.IPPROTO_TCP, KeepAlive: true, Idle: time.Duration(sysIdle) * time.Second, Interval: time.Duration(sysIntvl) * time.Second, Count: sysCount}
	assert.Equal(t, want, readKernel(t, accepted))
	want.Idle, want.Interval = 37*time.Second, 15*time.Second
	assert.Equal(t, want, readKernel(t, dialed))
	assert.Equal(t, want.Idle+want.Interval*time.Duration(sysCount), keepalive.Config{Idle: 37 * time.Second, Count: keepalive.System}.Timeout())
}

func TestRoundingUpReachesTheKernel(t *testing.T) {
	c := keepalive.Config{Idle: 1, Interval: 1500 * time.Millisecond, Count: 1, UserTimeout: 1}
	dialed, _ := pair(t, listen(t, nil), keepalive.NewDialer(keepalive.WithKeepalive(c)))
	got := readKernel(t, dialed)
	assert.Equal(t, time.Second, got.Idle)
	assert.Equal(t, 2*time.Second, got.Interval)
	assert.Equal(t, time.Millisecond, got.UserTimeout)
}

func TestHooksCompose(t *testing.T) {
	errHook := errors.New("hook says no")
	for _, tt := range []struct {
		name    string
		dialer  func(ran *atomic.Int32, fail bool) *net.Dialer
		wantErr bool
	}{
		{"Control", func(ran *atomic.Int32, fail bool) *net.Dialer {
			return &net.Dialer{Timeout: 3 * time.Second, FallbackDelay: 42 * time.Millisecond, Control: func(network, address string, rc syscall.RawConn) error {
				ran.Add(1)
				if fail {
					return errHook
				}
				return nil
			}}
		}, false},
		{"ControlContext", func(ran *atomic.Int32, fail bool) *net.Dialer {
			return &net.Dialer{Timeout: 3 * time.Second, FallbackDelay: 42 * time.Millisecond, ControlContext: func(ctx context.Context, network, address string, rc syscall.RawConn) error {
				ran.Add(1)
				if fail {
					return errHook
				}
				return nil
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

func TestBadInputChangesNothing(t *testing.T) {
	for _, tt := range []struct {
		name  string
		c     keepalive.Config
		field string
		limit string
	}{
		{"negative idle", keepalive.Config{Idle: -time.Second}, "Idle", "invalid Idle -1s: negative; use 0 for Go's default or keepalive.System for the system's"},
		{"negative interval", keepalive.Config{Interval: -2}, "Interval", "negative"},
		{"negative count", keepalive.Config{Count: -9}, "Count", "negative"},
		{"negative user timeout", keepalive.Config{UserTimeout: -time.Millisecond}, "UserTimeout", "invalid UserTimeout -1ms: negative; use 0 or keepalive.System to leave the system's setting (by default none)"},
		{"count above 127", keepalive.Config{Count: 128}, "Count", "outside 1–127, the range of TCP_KEEPCNT on linux"},
		{"idle above 32767s", keepalive.Config{Idle: 32767*time.Second + 1}, "Idle", "above 32767 s, the limit of TCP_KEEPIDLE on linux"},
		{"interval above 32767s", keepalive.Config{Interval: 32768 * time.Second}, "Interval", "above 32767 s, the limit of TCP_KEEPINTVL on linux"},
		{"user timeout above 2^31-1 ms", keepalive.Config{UserTimeout: (1<<31)*time.Millisecond + 1}, "UserTimeout", "above 2147483647 ms (2³¹−1), the limit of TCP_USER_TIMEOUT on linux"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			checkErr := func(err error) {
				t.Helper()
				var ce *keepalive.ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tt.field, ce.Field)
				assert.Contains(t, err.Error(), tt.limit)
			}
			checkErr(tt.c.Validate())

			dialed, accepted := pair(t, listen(t, nil), nil)
			before := readKernel(t, dialed)
			err := keepalive.Set(dialed, tt.c)
			checkErr(err)
			var oe *net.OpError
			require.ErrorAs(t, err, &oe)
			assert.Equal(t, "set", oe.Op)
			assert.Equal(t, before, readKernel(t, dialed), "a failed Set changed the socket")

			ln := listen(t, nil)
			_, err = keepalive.NewDialer(keepalive.WithKeepalive(tt.c)).Dial("tcp", ln.Addr().String())
			checkErr(err)
			_, err = listenConfig(tt.c).Listen(context.Background(), "tcp", "127.0.0.1:0")
			checkErr(err)

			wl := keepalive.WrapListener(ln, tt.c)
			_, err = wl.Accept()
			checkErr(err)
			_ = accepted
		})
	}
}

func TestSetOnConnsThatAreNotTCP(t *testing.T) {
	udp, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer udp.Close()
	unixLn, err := net.Listen("unix", filepath.Join(t.TempDir(), "s"))
	require.NoError(t, err)
	defer unixLn.Close()
	unixConn, err := net.Dial("unix", unixLn.Addr().String())
	require.NoError(t, err)
	defer unixConn.Close()
	p1, p2 := net.Pipe()
	defer p1.Close()
	defer p2.Close()
	unixRaw, err := unixConn.(*net.UnixConn).SyscallConn()
	require.NoError(t, err)

	for _, tt := range []struct {
		name string
		conn net.Conn
	}{
		{"nil", nil},
		{"nil TCPConn", (*net.TCPConn)(nil)},
		{"nil tls.Conn", (*tls.Conn)(nil)},
		{"UDP", udp.(*net.UDPConn)},
		{"Unix", unixConn},
		{"pipe", p1},
		{"unix socket behind a syscall.Conn", rawOnly{p1, unixRaw}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.NotPanics(t, func() {
				assert.Error(t, keepalive.Set(tt.conn, cfg))
				_, err := keepalive.Get(tt.conn)
				assert.Error(t, err)
			})
		})
	}
	require.NoError(t, unixRaw.Control(func(fd uintptr) {
		on, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_KEEPALIVE)
		require.NoError(t, err)
		assert.Zero(t, on, "Set touched a Unix socket")
	}))
}

// rawOnly is a net.Conn that exposes some socket only as a syscall.Conn.
type rawOnly struct {
	net.Conn
	rc syscall.RawConn
}

func (r rawOnly) SyscallConn() (syscall.RawConn, error) { return r.rc, nil }

func TestSetOnClosedConn(t *testing.T) {
	dialed, _ := pair(t, listen(t, nil), nil)
	require.NoError(t, dialed.Close())
	err := keepalive.Set(dialed, cfg)
	assert.ErrorIs(t, err, net.ErrClosed)
	_, err = keepalive.Get(dialed)
	assert.ErrorIs(t, err, net.ErrClosed)
}

// netConnOnly hides everything but net.Conn and NetConn, as a wrapper
// type from another library would.
type netConnOnly struct {
	net.Conn
}

func (w netConnOnly) NetConn() net.Conn { return w.Conn }

func TestWrappedConns(t *testing.T) {
	dialed, accepted := pair(t, listen(t, nil), nil)
	rc, err := accepted.SyscallConn()
	require.NoError(t, err)
	tlsClient, tlsServer := tlsPair(t)
	for _, tt := range []struct {
		name string
		conn net.Conn
		raw  syscall.Conn
	}{
		{"tls.Conn", tlsClient, tlsClient.NetConn().(*net.TCPConn)},
		{"tls.Conn server side", tlsServer, tlsServer.NetConn().(*net.TCPConn)},
		{"NetConn", netConnOnly{netConnOnly{dialed}}, dialed},
		{"syscall.Conn", rawOnly{netConnOnly{nil}, rc}, accepted},
	} {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, keepalive.Set(tt.conn, cfg))
			assert.Equal(t, ours, readKernel(t, tt.raw))
			st, err := keepalive.Get(tt.conn)
			require.NoError(t, err)
			assert.True(t, st.Enabled)
			assert.Equal(t, keepalive.Config{Idle: ours.Idle, Interval: ours.Interval, Count: ours.Count, UserTimeout: ours.UserTimeout}, st.Config)
		})
	}
}

func TestGetReadsTheKernel(t *testing.T) {
	dialed, accepted := pair(t, listen(t, nil), &net.Dialer{KeepAlive: -1})
	// Change the socket behind the library's back; Get must see it.
	rc, err := accepted.SyscallConn()
	require.NoError(t, err)
	require.NoError(t, rc.Control(func(fd uintptr) {
		require.NoError(t, unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 123))
		require.NoError(t, unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT, 4567))
	}))
	st, err := keepalive.Get(accepted)
	require.NoError(t, err)
	k := readKernel(t, accepted)
	assert.Equal(t, keepalive.State{Enabled: k.KeepAlive, Config: keepalive.Config{Idle: 123 * time.Second, Interval: k.Interval, Count: k.Count, UserTimeout: 4567 * time.Millisecond}}, st)

	st, err = keepalive.Get(dialed)
	require.NoError(t, err)
	assert.False(t, st.Enabled)
	assert.Equal(t, time.Duration(sysctl(t, "tcp_keepalive_time"))*time.Second, st.Config.Idle)
	assert.Equal(t, "off idle=2h0m0s,interval=1m15s,count=9", keepalive.State{Config: keepalive.Config{Idle: 2 * time.Hour, Interval: 75 * time.Second, Count: 9}}.String())
}

// TestMultipathTCP: Go ≥ 1.24 listens with Multipath TCP by default.
func TestMultipathTCP(t *testing.T) {
	skipWithoutMultipath(t)

	t.Run("Listen and ConfigureListenConfig listen with plain TCP", func(t *testing.T) {
		for _, c := range []keepalive.Config{cfg, {Idle: cfg.Idle, Interval: cfg.Interval, Count: cfg.Count}} {
			want := ours
			want.UserTimeout = c.UserTimeout
			ln, err := keepalive.Listen(context.Background(), "tcp", "127.0.0.1:0", c)
			require.NoError(t, err)
			t.Cleanup(func() { ln.Close() })
			for _, ln := range []net.Listener{ln, listen(t, listenConfig(c))} {
				assert.Equal(t, unix.IPPROTO_TCP, readKernel(t, ln.(*net.TCPListener)).Protocol)
				_, plain := pair(t, ln, nil)
				assert.Equal(t, want, readKernel(t, plain))
				_, multi := pair(t, ln, mptcpDialer())
				assert.Equal(t, want, readKernel(t, multi), "a Multipath TCP client gets plain TCP")
			}
		}
	})
	t.Run("an explicit Multipath TCP request is honoured, before or after ConfigureListenConfig", func(t *testing.T) {
		for _, before := range []bool{true, false} {
			lc := &net.ListenConfig{}
			if before {
				lc.SetMultipathTCP(true)
			}
			keepalive.ConfigureListenConfig(lc, cfg)
			if !before {
				lc.SetMultipathTCP(true)
			}
			ln := listen(t, lc)
			require.Equal(t, unix.IPPROTO_MPTCP, readKernel(t, ln.(*net.TCPListener)).Protocol, "before: %v", before)
			// The listening socket refused TCP_USER_TIMEOUT: no accepted
			// connection has it; both have the keep-alive values.
			want := ours
			want.UserTimeout = 0
			_, plain := pair(t, ln, nil)
			assert.Equal(t, want, readKernel(t, plain))
			_, multi := pair(t, ln, mptcpDialer())
			want.Protocol, want.UserTimeout = unix.IPPROTO_MPTCP, -1
			assert.Equal(t, want, readKernel(t, multi))
			st, err := keepalive.Get(multi)
			require.NoError(t, err)
			assert.True(t, st.Multipath)
			assert.Greater(t, st.Timeout(), st.Config.Timeout())
		}
	})
	t.Run("WrapListener: plain TCP client gets everything", func(t *testing.T) {
		inner := listen(t, nil)
		require.Equal(t, unix.IPPROTO_MPTCP, readKernel(t, inner.(*net.TCPListener)).Protocol)
		var reported atomic.Int32
		ln := &keepalive.Listener{Listener: inner, Config: cfg, OnError: func(net.Conn, error) { reported.Add(1) }}
		_, accepted := pair(t, ln, nil)
		assert.Equal(t, ours, readKernel(t, accepted))
		assert.Zero(t, reported.Load())
	})
	t.Run("WrapListener: Multipath TCP client gets keep-alive and a report", func(t *testing.T) {
		var mu sync.Mutex
		var reported []error
		ln := &keepalive.Listener{Listener: listen(t, nil), Config: cfg, OnError: func(_ net.Conn, err error) {
			mu.Lock()
			defer mu.Unlock()
			reported = append(reported, err)
		}}
		_, accepted := pair(t, ln, mptcpDialer())
		want := ours
		want.Protocol, want.UserTimeout = unix.IPPROTO_MPTCP, -1
		assert.Equal(t, want, readKernel(t, accepted))
		mu.Lock()
		defer mu.Unlock()
		require.Len(t, reported, 1)
		assert.ErrorIs(t, reported[0], errors.ErrUnsupported)
		assert.ErrorIs(t, reported[0], unix.ENOPROTOOPT)
		assert.Equal(t, "set tcp "+accepted.LocalAddr().String()+"->"+accepted.RemoteAddr().String()+
			": keepalive: Multipath TCP connection: a dead peer is noticed after 2m5s, not 44s: it outlives its dead subflows by net.mptcp.close_timeout (1m0s); "+
			"Multipath TCP socket refused setsockopt TCP_USER_TIMEOUT: protocol not available: unsupported operation", reported[0].Error())
	})
	t.Run("Set on a Multipath TCP conn", func(t *testing.T) {
		dialed, _ := pair(t, listen(t, nil), mptcpDialer())
		err := keepalive.Set(dialed, cfg)
		assert.ErrorIs(t, err, errors.ErrUnsupported)
		want := ours
		want.Protocol, want.UserTimeout = unix.IPPROTO_MPTCP, -1
		assert.Equal(t, want, readKernel(t, dialed))
		st, err := keepalive.Get(dialed)
		require.NoError(t, err)
		assert.Equal(t, time.Duration(0), st.Config.UserTimeout)
	})
	t.Run("Multipath TCP dialer with a user timeout stays Multipath TCP", func(t *testing.T) {
		d := mptcpDialer()
		keepalive.WithKeepalive(cfg)(d)
		dialed, _ := pair(t, listen(t, nil), d)
		want := ours
		want.Protocol, want.UserTimeout = unix.IPPROTO_MPTCP, -1
		assert.Equal(t, want, readKernel(t, dialed))
		st, err := keepalive.Get(dialed)
		require.NoError(t, err)
		assert.True(t, st.Multipath)
		c := cfg
		c.UserTimeout = 0
		assert.Equal(t, c.Timeout()+time.Duration(sysctlMPTCP(t, "close_timeout"))*time.Second, st.Timeout())
	})
	t.Run("Multipath TCP dialer without one stays Multipath TCP", func(t *testing.T) {
		c := cfg
		c.UserTimeout = 0
		d := mptcpDialer()
		keepalive.WithKeepalive(c)(d)
		dialed, _ := pair(t, listen(t, nil), d)
		want := ours
		want.Protocol, want.UserTimeout = unix.IPPROTO_MPTCP, -1
		assert.Equal(t, want, readKernel(t, dialed))
	})
}

// fakeListener hands out what it is given, then its error.
type fakeListener struct {
	net.Listener
	conns chan net.Conn
	err   error
}

func (f *fakeListener) Accept() (net.Conn, error) {
	select {
	case c := <-f.conns:
		return c, nil
	default:
		return nil, f.err
	}
}

type temporaryError struct{}

func (temporaryError) Error() string   { return "try again" }
func (temporaryError) Timeout() bool   { return false }
func (temporaryError) Temporary() bool { return true }

func TestWrapListenerPolicy(t *testing.T) {
	t.Run("accept errors pass through unchanged", func(t *testing.T) {
		want := temporaryError{}
		ln := keepalive.WrapListener(&fakeListener{err: want}, cfg)
		_, err := ln.Accept()
		assert.Equal(t, error(want), err)

		inner := listen(t, nil)
		ln = keepalive.WrapListener(inner, cfg)
		require.NoError(t, ln.Close())
		_, err = ln.Accept()
		assert.ErrorIs(t, err, net.ErrClosed)
	})
	t.Run("a conn that is not TCP is returned unchanged and reported once", func(t *testing.T) {
		p1, p2 := net.Pipe()
		defer p1.Close()
		defer p2.Close()
		u1, u2 := unixPair(t)
		_, good := pair(t, listen(t, nil), nil)
		f := &fakeListener{conns: make(chan net.Conn, 3), err: net.ErrClosed}
		f.conns <- p1
		f.conns <- u1
		f.conns <- good
		var reported []net.Conn
		ln := &keepalive.Listener{Listener: f, Config: cfg, OnError: func(c net.Conn, err error) {
			assert.ErrorContains(t, err, "net.pipe")
			reported = append(reported, c)
		}}
		for _, want := range []net.Conn{p1, u1, good} {
			c, err := ln.Accept()
			require.NoError(t, err)
			assert.Same(t, want, c)
		}
		assert.Equal(t, []net.Conn{p1}, reported, "reported once per listener")
		go p1.Write([]byte{1})
		_, err := p2.Read(make([]byte, 1))
		assert.NoError(t, err, "the pipe still works")
		_, err = u2.Write([]byte{1})
		assert.NoError(t, err, "the unix socket still works")
		assert.Equal(t, ours, readKernel(t, good))
	})
	t.Run("an inner Accept returning nil, nil is passed through", func(t *testing.T) {
		f := &fakeListener{conns: make(chan net.Conn, 1)}
		f.conns <- nil
		c, err := keepalive.WrapListener(f, cfg).Accept()
		assert.Nil(t, c)
		assert.NoError(t, err)
	})
	t.Run("Addr, Close, Unwrap", func(t *testing.T) {
		inner := listen(t, nil)
		ln := keepalive.WrapListener(inner, cfg)
		assert.Equal(t, inner.Addr(), ln.Addr())
		assert.Same(t, inner, ln.(*keepalive.Listener).Unwrap())
		require.NoError(t, ln.Close())
		_, err := inner.Accept()
		assert.ErrorIs(t, err, net.ErrClosed)
	})
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

// TestNoLeaks dials, accepts and sets thousands of times and counts the
// process's descriptors; goleak (TestMain) checks goroutines.
func TestNoLeaks(t *testing.T) {
	const n = 2000
	ln := keepalive.WrapListener(listen(t, listenConfig(cfg)), cfg)
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	before := fdCount(t)
	done := make(chan error, 1)
	go func() {
		for range n {
			c, err := ln.Accept()
			if err != nil {
				done <- err
				return
			}
			if err := keepalive.Set(c, cfg); err != nil {
				done <- err
				return
			}
			c.Close()
		}
		done <- nil
	}()
	for range n {
		c, err := d.Dial("tcp", ln.Addr().String())
		require.NoError(t, err)
		require.NoError(t, keepalive.Set(c, cfg))
		_, err = keepalive.Get(c)
		require.NoError(t, err)
		require.NoError(t, c.Close())
	}
	require.NoError(t, <-done)
	assert.LessOrEqual(t, fdCount(t), before, "descriptors leaked")
}

func TestConcurrentUse(t *testing.T) {
	ln := keepalive.WrapListener(listen(t, listenConfig(cfg)), cfg)
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	concurrentUse(t, ln, func(ctx context.Context, addr string) (net.Conn, error) {
		return d.DialContext(ctx, "tcp", addr)
	})
}

// TestConcurrentUseFailsWhenADialFails: a dial that fails must end the
// test with an error, not leave the acceptors waiting for connections
// that never come until the 10-minute test timeout.
func TestConcurrentUseFailsWhenADialFails(t *testing.T) {
	ln := listen(t, nil)
	var dials atomic.Int64
	refused := errors.New("dial refused by the test")
	var rec recorder
	done := make(chan struct{})
	go func() {
		defer close(done)
		concurrentUse(&rec, ln, func(ctx context.Context, addr string) (net.Conn, error) {
			if dials.Add(1) == 10 {
				return nil, refused
			}
			return (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		})
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		ln.Close() // unblock it, so that it does not leak
		<-done
		t.Fatal("concurrentUse still running 30s after a dial failed")
	}
	assert.True(t, rec.failed(), "concurrentUse passed although a dial failed")
	assert.Contains(t, rec.String(), refused.Error())
}

// recorder is an assert.TestingT that keeps what it is told.
type recorder struct {
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recorder) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errs) > 0
}

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errs, "\n")
}

// concurrentUse dials ln from 8 goroutines and sets and reads back cfg on
// both ends from 16, 50 connections each. Every wait is bounded: a failed
// dial closes the listener, which ends the acceptors' wait, and every
// dial has a deadline.
func concurrentUse(t assert.TestingT, ln net.Listener, dial func(ctx context.Context, addr string) (net.Conn, error)) {
	var stop sync.Once
	abort := func() { stop.Do(func() { ln.Close() }) }
	defer abort()
	var wg sync.WaitGroup
	accepted := make(chan net.Conn, 64)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(accepted)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			accepted <- c
		}
	}()
	var workers sync.WaitGroup
	for range 8 {
		workers.Add(2)
		go func() {
			defer workers.Done()
			for range 50 {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				c, err := dial(ctx, ln.Addr().String())
				cancel()
				if !assert.NoError(t, err) {
					abort() // no connection is coming: wake the acceptors
					return
				}
				setAndGet(t, c)
			}
		}()
		go func() {
			defer workers.Done()
			for range 50 {
				c, ok := <-accepted
				if !ok {
					return
				}
				setAndGet(t, c)
			}
		}()
	}
	workers.Wait()
	abort()
	wg.Wait()
	for c := range accepted { // accepted after the workers stopped taking them
		c.Close()
	}
}

// setAndGet sets cfg on c, reads it back, and closes c; safe from any
// goroutine.
func setAndGet(t assert.TestingT, c net.Conn) {
	defer c.Close()
	assert.NoError(t, keepalive.Set(c, cfg))
	st, err := keepalive.Get(c)
	assert.NoError(t, err)
	assert.Equal(t, cfg, st.Config)
}

// tlsPair returns both ends of a TLS connection over loopback TCP.
func tlsPair(t *testing.T) (client, server *tls.Conn) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), DNSNames: []string{"localhost"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	pool := x509.NewCertPool()
	leaf, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool.AddCert(leaf)

	dialed, accepted := pair(t, listen(t, nil), nil)
	server = tls.Server(accepted, &tls.Config{Certificates: []tls.Certificate{cert}})
	client = tls.Client(dialed, &tls.Config{RootCAs: pool, ServerName: "localhost"})
	errc := make(chan error, 1)
	go func() { errc <- server.Handshake() }()
	require.NoError(t, client.Handshake())
	require.NoError(t, <-errc)
	return client, server
}

func TestSystemDefaults(t *testing.T) {
	d, err := keepalive.SystemDefaults()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(sysctl(t, "tcp_keepalive_time"))*time.Second, d.Config.Idle)
	assert.Equal(t, time.Duration(sysctl(t, "tcp_keepalive_intvl"))*time.Second, d.Config.Interval)
	assert.Equal(t, sysctl(t, "tcp_keepalive_probes"), d.Config.Count)
	assert.Equal(t, sysctl(t, "tcp_retries2"), d.Retries)
	assert.Positive(t, d.BusyTimeout)
	assert.Contains(t, d.String(), "a dead idle peer is noticed after "+d.Config.Timeout().String())
}

// fdCount is how many descriptors this process holds.
func fdCount(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	require.NoError(t, err)
	return len(entries)
}

// sysctl reads one of the namespace's net.ipv4 settings.
func sysctl(t *testing.T, name string) int {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/ipv4/" + name)
	require.NoError(t, err)
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	return n
}

// TestSetConcurrent: Set calls with different Configs on one connection,
// and Get calls beside them, never leave or see a mix of two Configs: a
// Set's options are applied, and a Get's read, as one step. Read back
// from the kernel.
func TestSetConcurrent(t *testing.T) {
	a := keepalive.Config{Idle: 11 * time.Second, Interval: 2 * time.Second, Count: 3, UserTimeout: 17 * time.Second}
	b := keepalive.Config{Idle: 31 * time.Second, Interval: 7 * time.Second, Count: 5, UserTimeout: 66 * time.Second}
	conn, _ := pair(t, listen(t, nil), nil)
	require.NoError(t, keepalive.Set(conn, a))
	var mixed []keepalive.Config
	var mu sync.Mutex
	seen := func(c keepalive.Config) {
		if c != a && c != b {
			mu.Lock()
			mixed = append(mixed, c)
			mu.Unlock()
		}
	}
	for range 3000 {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, c := range []keepalive.Config{a, b, a, b} {
			wg.Go(func() {
				<-start
				assert.NoError(t, keepalive.Set(conn, c))
			})
		}
		wg.Go(func() {
			<-start
			for range 4 {
				st, err := keepalive.Get(conn)
				assert.NoError(t, err)
				seen(st.Config)
			}
		})
		close(start)
		wg.Wait()
		st, err := keepalive.Get(conn)
		require.NoError(t, err)
		seen(st.Config)
	}
	assert.Empty(t, mixed, "states mixing %v and %v", a, b)
}

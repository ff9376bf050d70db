package keepalive_test

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
	"github.com/tcpkeepalive/keepalive/internal/stickyconn"
)

// inNetns runs fn on a thread moved into the named namespace, so that
// the sockets fn creates belong to it; the thread comes back after.
func inNetns(t *testing.T, name string, fn func()) {
	t.Helper()
	runtime.LockOSThread()
	orig, err := os.Open("/proc/thread-self/ns/net")
	require.NoError(t, err)
	defer orig.Close()
	target, err := os.Open("/run/netns/" + name)
	require.NoError(t, err)
	defer target.Close()
	require.NoError(t, unix.Setns(int(target.Fd()), unix.CLONE_NEWNET))
	defer func() {
		// A thread that cannot come back is left locked: it ends with
		// the goroutine instead of serving others in the namespace.
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
	}()
	fn()
}

// TestIntegrationListenerSysctl: a Listener skips only the options Go's
// per-accept keep-alive wrote, never a value the socket reads from the
// namespace's sysctl because nothing set it (issue 18, 1). Each accepted
// connection must keep the Config's values after the sysctls change.
func TestIntegrationListenerSysctl(t *testing.T) {
	n := netns.New(t)
	ns := n.Peer
	c := keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second} // Count 9, the sysctl's default
	for _, tt := range []struct {
		name string
		lc   net.ListenConfig
		c    keepalive.Config
		idle string // tcp_keepalive_time while the first connection is accepted
	}{
		{"Go's keep-alive off", net.ListenConfig{KeepAlive: -1}, c, "7200"},
		{"Go's keep-alive off, Idle equal to the sysctl", net.ListenConfig{KeepAlive: -1}, keepalive.Config{Idle: 7200 * time.Second, Interval: 5 * time.Second}, "7200"},
		{"Go leaves the count", net.ListenConfig{KeepAliveConfig: net.KeepAliveConfig{Enable: true, Idle: 30 * time.Second, Interval: 5 * time.Second, Count: -1}}, c, "7200"},
		{"Go writes all (net.Listen)", net.ListenConfig{}, c, "7200"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n.Sysctl(ns, "net.ipv4.tcp_keepalive_probes", "9")
			n.Sysctl(ns, "net.ipv4.tcp_keepalive_time", tt.idle)
			var inner net.Listener
			inNetns(t, ns, func() {
				var err error
				inner, err = tt.lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
				require.NoError(t, err)
			})
			ln := keepalive.WrapListener(inner, tt.c)
			defer ln.Close()
			accept := func() *net.TCPConn {
				t.Helper()
				var d net.Conn
				inNetns(t, ns, func() {
					var err error
					d, err = (&net.Dialer{KeepAlive: -1}).Dial("tcp", inner.Addr().String())
					require.NoError(t, err)
				})
				t.Cleanup(func() { d.Close() })
				a, err := ln.Accept()
				require.NoError(t, err)
				t.Cleanup(func() { a.Close() })
				return a.(*net.TCPConn)
			}
			first := accept()
			n.Sysctl(ns, "net.ipv4.tcp_keepalive_probes", "100")
			n.Sysctl(ns, "net.ipv4.tcp_keepalive_time", "60")
			second := accept()
			want := tt.c.Timeout()
			for name, conn := range map[string]*net.TCPConn{"first": first, "second": second} {
				k := readKernel(t, conn)
				assert.Equal(t, 9, k.Count, "%s connection: TCP_KEEPCNT", name)
				assert.Equal(t, tt.c.Idle, k.Idle, "%s connection: TCP_KEEPIDLE", name)
				assert.Equal(t, tt.c.Interval, k.Interval, "%s connection: TCP_KEEPINTVL", name)
				st, err := keepalive.Get(conn)
				require.NoError(t, err)
				assert.Equal(t, want, st.Timeout(), "%s connection", name)
			}
		})
	}
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

// TestIntegrationStickyTransientICMP: an ICMP error on an established
// connection (the router answers "host unreachable" for a while) reaches
// Read only on a socket with IP_RECVERR, which neither Go nor the
// integration modules set (tcp_v4_err: sk_err with recverr, sk_err_soft
// otherwise). Either way the connection survives, and stickyconn must not
// keep such an error: the reply that comes after the route is back is
// read (issue 18, Also).
func TestIntegrationStickyTransientICMP(t *testing.T) {
	n := netns.New(t)
	var ln net.Listener
	inNetns(t, n.Peer, func() {
		var err error
		ln, err = net.Listen("tcp", netns.PeerAddr+":0")
		require.NoError(t, err)
	})
	defer ln.Close()
	// Every packet to the unreachable peer gets its ICMP error: none held
	// back by the router's rate limit (1/s per host by default).
	n.Sysctl(n.Router, "net.ipv4.icmp_ratelimit", "0")
	route := func(op string) {
		t.Helper()
		out, err := exec.Command("ip", "-n", n.Router, "route", op, "unreachable", netns.PeerAddr+"/32").CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	for _, tt := range []struct {
		name    string
		recverr bool
	}{
		{"without IP_RECVERR, as the modules dial", false},
		{"with IP_RECVERR", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var c net.Conn
			inNetns(t, n.Client, func() {
				var err error
				c, err = (&net.Dialer{KeepAlive: -1}).Dial("tcp", ln.Addr().String())
				require.NoError(t, err)
			})
			defer c.Close()
			peer, err := ln.Accept()
			require.NoError(t, err)
			defer peer.Close()
			if tt.recverr {
				rc, err := c.(*net.TCPConn).SyscallConn()
				require.NoError(t, err)
				require.NoError(t, rc.Control(func(fd uintptr) {
					require.NoError(t, unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_RECVERR, 1))
				}))
			}
			w := stickyconn.Wrap(c)

			route("add")
			_, err = w.Write([]byte("ping"))
			require.NoError(t, err)
			w.SetReadDeadline(time.Now().Add(1500 * time.Millisecond))
			_, err = w.Read(make([]byte, 4))
			if tt.recverr {
				require.ErrorIs(t, err, syscall.EHOSTUNREACH, "the transient error reaches Read")
				assert.True(t, keepalive.IsPeerGone(err))
			} else {
				require.ErrorIs(t, err, os.ErrDeadlineExceeded, "no error reaches Read")
			}
			route("del")

			peer.SetDeadline(time.Now().Add(10 * time.Second))
			buf := make([]byte, 4)
			_, err = io.ReadFull(peer, buf)
			require.NoError(t, err, "the retransmission arrives")
			_, err = peer.Write([]byte("pong"))
			require.NoError(t, err)
			w.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err = io.ReadFull(w, buf)
			require.NoError(t, err, "the connection survived; its error must not stick")
			assert.Equal(t, "pong", string(buf))
		})
	}
}

package integration_test

// IsPeerGone on errors produced by real loopback sockets, over IPv4 and
// IPv6, as a caller gets them (*net.OpError wrapping an os.SyscallError
// wrapping the errno). The errors only a network path produces
// (ETIMEDOUT, ENOTCONN of Multipath TCP, the ICMP errors) are in
// paths_linux_test.go. The library on [::1] is here too, and, in a
// namespace, that an ICMP error a connection survives does not stick
// (TestIntegrationStickyTransientICMP).

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
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

// loopbacks are the loopback addresses to listen on, IPv6 skipped
// where the host has none.
func loopbacks(t *testing.T) []string {
	t.Helper()
	addrs := []string{"127.0.0.1:0"}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		addrs = append(addrs, "[::1]:0")
	} else {
		t.Logf("no IPv6 loopback, IPv4 only: %v", err)
	}
	return addrs
}

// pairOn is pair on a listener at addr.
func pairOn(t *testing.T, addr string, lc *net.ListenConfig, d *net.Dialer) (dialed, accepted *net.TCPConn) {
	t.Helper()
	if lc == nil {
		lc = &net.ListenConfig{}
	}
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	return pair(t, ln, d)
}

// reset closes c with a reset (SO_LINGER 0), as a crashing peer's
// kernel or a middlebox does.
func reset(t *testing.T, c *net.TCPConn) {
	t.Helper()
	require.NoError(t, c.SetLinger(0))
	require.NoError(t, c.Close())
}

// bounded makes a blocking call on c fail after 10s rather than hang.
func bounded(t *testing.T, c net.Conn) {
	t.Helper()
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
}

func TestIsPeerGoneRealErrors(t *testing.T) {
	buf := make([]byte, 16)
	for _, addr := range loopbacks(t) {
		t.Run(addr, func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				make  func(t *testing.T) error
				errno error // the errno it must wrap; nil: err must be one of IsPeerGone's false cases
				want  error // for the false cases: what errors.Is must match
				gone  bool
			}{
				{"ECONNRESET on Read", func(t *testing.T) error {
					dialed, accepted := pairOn(t, addr, nil, nil)
					bounded(t, dialed)
					reset(t, accepted)
					_, err := dialed.Read(buf)
					return err
				}, syscall.ECONNRESET, nil, true},
				{"ECONNRESET on Write", func(t *testing.T) error {
					dialed, accepted := pairOn(t, addr, nil, nil)
					bounded(t, dialed)
					reset(t, accepted) // on loopback the reset is in before Close returns
					_, err := dialed.Write([]byte("x"))
					return err
				}, syscall.ECONNRESET, nil, true},
				{"EPIPE on Write after the reset was read", func(t *testing.T) error {
					dialed, accepted := pairOn(t, addr, nil, nil)
					bounded(t, dialed)
					reset(t, accepted)
					_, err := dialed.Read(buf)
					require.ErrorIs(t, err, syscall.ECONNRESET)
					_, err = dialed.Write([]byte("x"))
					return err
				}, syscall.EPIPE, nil, true},
				{"io.EOF: the peer closed", func(t *testing.T) error {
					dialed, accepted := pairOn(t, addr, nil, nil)
					bounded(t, dialed)
					require.NoError(t, accepted.Close())
					_, err := dialed.Read(buf)
					return err
				}, nil, io.EOF, false},
				{"deadline", func(t *testing.T) error {
					dialed, _ := pairOn(t, addr, nil, nil)
					require.NoError(t, dialed.SetReadDeadline(time.Now().Add(20*time.Millisecond)))
					_, err := dialed.Read(buf)
					return err
				}, nil, os.ErrDeadlineExceeded, false},
				{"net.ErrClosed: closed here", func(t *testing.T) error {
					dialed, _ := pairOn(t, addr, nil, nil)
					require.NoError(t, dialed.Close())
					_, err := dialed.Read(buf)
					return err
				}, nil, net.ErrClosed, false},
				{"context canceled", func(t *testing.T) error {
					ln, err := net.Listen("tcp", addr)
					require.NoError(t, err)
					defer ln.Close()
					ctx, cancel := context.WithCancel(context.Background())
					cancel()
					_, err = keepalive.NewDialer(keepalive.WithKeepalive(busyCfg)).DialContext(ctx, "tcp", ln.Addr().String())
					return err
				}, nil, context.Canceled, false},
				{"context deadline", func(t *testing.T) error {
					ln, err := net.Listen("tcp", addr)
					require.NoError(t, err)
					defer ln.Close()
					ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
					defer cancel()
					_, err = keepalive.NewDialer(keepalive.WithKeepalive(busyCfg)).DialContext(ctx, "tcp", ln.Addr().String())
					return err
				}, nil, context.DeadlineExceeded, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					err := tc.make(t)
					require.Error(t, err)
					var opErr *net.OpError
					assert.True(t, errors.As(err, &opErr) || errors.Is(err, io.EOF), "%T %v is not a *net.OpError", err, err)
					if tc.errno != nil {
						require.ErrorIs(t, err, tc.errno)
					} else {
						require.ErrorIs(t, err, tc.want)
					}
					assert.Equal(t, tc.gone, keepalive.IsPeerGone(err), "IsPeerGone(%v)", err)
				})
			}
		})
	}
	t.Run("nil", func(t *testing.T) {
		assert.False(t, keepalive.IsPeerGone(nil))
	})
}

// TestIPv6Loopback: every way in sets the whole Config on IPv6 sockets,
// read back from the kernel.
func TestIPv6Loopback(t *testing.T) {
	if len(loopbacks(t)) < 2 {
		t.Skip("skipping: no IPv6 loopback ([::1])")
	}
	const addr = "[::1]:0"
	t.Run("NewDialer", func(t *testing.T) {
		dialed, _ := pairOn(t, addr, nil, keepalive.NewDialer(keepalive.WithKeepalive(cfg)))
		assert.Equal(t, ours, readKernel(t, dialed))
		assert.Contains(t, dialed.LocalAddr().String(), "[::1]")
	})
	t.Run("Listen", func(t *testing.T) {
		ln, err := keepalive.Listen(context.Background(), "tcp", addr, cfg)
		require.NoError(t, err)
		t.Cleanup(func() { ln.Close() })
		_, accepted := pair(t, ln, nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("ConfigureListenConfig", func(t *testing.T) {
		_, accepted := pairOn(t, addr, listenConfig(cfg), nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("WrapListener", func(t *testing.T) {
		ln, err := net.Listen("tcp", addr)
		require.NoError(t, err)
		t.Cleanup(func() { ln.Close() })
		_, accepted := pair(t, keepalive.WrapListener(ln, cfg), nil)
		assert.Equal(t, ours, readKernel(t, accepted))
	})
	t.Run("Set and Get", func(t *testing.T) {
		dialed, _ := pairOn(t, addr, nil, nil)
		require.NoError(t, keepalive.Set(dialed, cfg))
		assert.Equal(t, ours, readKernel(t, dialed))
		st, err := keepalive.Get(dialed)
		require.NoError(t, err)
		assert.Equal(t, cfg, st.Config)
	})
}

// TestIntegrationAborted: ECONNABORTED is what a connection gets when
// the kernel is told to destroy it (SOCK_DESTROY, as ss -K does: an
// administrator, a connection manager, a VPN client tearing down its
// routes). The socket is this test's own, found by its local port.
func TestIntegrationAborted(t *testing.T) {
	netns.Track(t)
	if os.Geteuid() != 0 {
		netns.Skip(t, "needs root (CAP_NET_ADMIN) to destroy a socket")
	}
	if _, err := exec.LookPath("ss"); err != nil {
		netns.Skip(t, "needs ss (iproute2)")
	}
	dialed, _ := pairOn(t, "127.0.0.1:0", nil, nil)
	bounded(t, dialed)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	local := dialed.LocalAddr().String()
	// -4: IPv4 only, one netlink request; its answer is the socket it
	// destroyed.
	out, err := exec.CommandContext(ctx, "ss", "-4", "-K", "-tn", "src", local).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), local, "ss -K destroyed nothing (kernel without CONFIG_INET_DIAG_DESTROY?)")
	_, err = dialed.Read(make([]byte, 1))
	var opErr *net.OpError
	require.ErrorAs(t, err, &opErr)
	require.ErrorIs(t, err, syscall.ECONNABORTED)
	assert.True(t, keepalive.IsPeerGone(err), "IsPeerGone(%v)", err)
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
	inNamespace(t, n.Peer, func() (err error) {
		ln, err = net.Listen("tcp", netns.PeerAddr+":0")
		return err
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
			inNamespace(t, n.Client, func() (err error) {
				c, err = (&net.Dialer{KeepAlive: -1}).Dial("tcp", ln.Addr().String())
				return err
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

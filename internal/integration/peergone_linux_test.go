package integration_test

// IsPeerGone on errors produced by real loopback sockets, over IPv4 and
// IPv6, as a caller gets them (*net.OpError wrapping an os.SyscallError
// wrapping the errno), and on ECONNABORTED from a destroyed socket. The
// errors only a network path produces (ETIMEDOUT, ENOTCONN of Multipath
// TCP, the ICMP errors) are in paths_linux_test.go; that an ICMP error a
// connection survives does not stick is in stickyicmp_linux_test.go.

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

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/netns"
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

package integration_test

// stickyconn on a real network path, in a namespace: an ICMP error a
// connection survives does not stick.

import (
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

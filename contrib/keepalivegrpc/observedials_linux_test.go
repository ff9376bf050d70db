package keepalivegrpc_test

import (
	"context"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
	"google.golang.org/grpc"
	grpckeepalive "google.golang.org/grpc/keepalive"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivegrpc"
)

// getsockopt reads conn's keep-alive options straight from the kernel,
// in the kernel's units, without the library.
func getsockopt(t *testing.T, conn net.Conn) keepalive.State {
	t.Helper()
	rc, err := conn.(syscall.Conn).SyscallConn()
	require.NoError(t, err)
	var on, idle, intvl, cnt, uto int
	var errs [5]error
	require.NoError(t, rc.Control(func(fd uintptr) {
		on, errs[0] = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_KEEPALIVE)
		idle, errs[1] = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPIDLE)
		intvl, errs[2] = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPINTVL)
		cnt, errs[3] = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_KEEPCNT)
		uto, errs[4] = unix.GetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_USER_TIMEOUT)
	}))
	for _, err := range errs {
		require.NoError(t, err)
	}
	return keepalive.State{Enabled: on != 0, Config: keepalive.Config{
		Idle: time.Duration(idle) * time.Second, Interval: time.Duration(intvl) * time.Second,
		Count: cnt, UserTimeout: time.Duration(uto) * time.Millisecond,
	}}
}

// seen is what onDial was called with.
type seen struct {
	conn net.Conn
	st   keepalive.State
	err  error
}

type seenList struct {
	mu  sync.Mutex
	all []seen
}

func (s *seenList) onDial(conn net.Conn, st keepalive.State, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all = append(s.all, seen{conn, st, err})
}

func (s *seenList) only(t *testing.T) seen {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Len(t, s.all, 1, "onDial calls")
	return s.all[0]
}

// TestObserveDials: the State onDial sees is what getsockopt reads on the
// socket the server accepted, gRPC's own TCP_USER_TIMEOUT write included.
func TestObserveDials(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  keepalive.Config
		opt  grpc.DialOption
		want time.Duration // TCP_USER_TIMEOUT gRPC leaves
	}{
		{"alone", withUserTimeout, nil, 45 * time.Second},
		{"alone, no UserTimeout", noUserTimeout, nil, 0},
		{"ClientOption, no UserTimeout", noUserTimeout, keepalivegrpc.ClientOption(noUserTimeout, grpckeepalive.ClientParameters{Time: time.Minute}), 45 * time.Second},
		// gRPC overwrites the Config's 45s after the dial; onDial sees it.
		{"trap: WithKeepaliveParams", withUserTimeout, grpc.WithKeepaliveParams(grpckeepalive.ClientParameters{Time: time.Minute}), 20 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			accepted := &recorder{}
			serve(t, recordingListener{ln, accepted})
			var s seenList
			opts := keepalivegrpc.ObserveDials(tt.cfg, s.onDial)
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			check(t, ln.Addr().String(), func() {
				got := s.only(t)
				require.NoError(t, got.err)
				require.NotNil(t, got.conn)
				assert.Equal(t, accepted.only(t).RemoteAddr().String(), got.conn.LocalAddr().String(), "the socket gRPC uses")
				want := keepalive.State{Enabled: true, Config: tt.cfg}
				want.Config.UserTimeout = tt.want
				assert.Equal(t, want, got.st)
				assert.Equal(t, getsockopt(t, got.conn), got.st, "what the kernel holds")
			}, opts...)
		})
	}
}

// TestObserveDialsReplacedDialer: a later grpc.WithContextDialer replaces
// the options' dialer; onDial is told, not silent.
func TestObserveDialsReplacedDialer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serve(t, ln)
	var s seenList
	var d net.Dialer
	opts := append(keepalivegrpc.ObserveDials(withUserTimeout, s.onDial), grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
		return d.DialContext(ctx, "tcp", addr)
	}))
	check(t, ln.Addr().String(), func() {
		got := s.only(t)
		assert.Nil(t, got.conn)
		assert.ErrorContains(t, got.err, "did not dial")
	}, opts...)
}

// wrapped hides the *net.TCPConn behind another type.
type wrapped struct{ net.Conn }

// TestWrappedConnStopsGRPCsWrite: why ObserveDials does not wrap the
// connection to observe it. gRPC writes TCP_USER_TIMEOUT only on a
// *net.TCPConn; behind a wrapper the socket keeps the dialer's value.
func TestWrappedConnStopsGRPCsWrite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serve(t, ln)
	rec := &recorder{}
	dial, err := keepalivegrpc.Dialer(withUserTimeout)
	require.NoError(t, err)
	check(t, ln.Addr().String(), func() {
		assert.Equal(t, 45*time.Second, getsockopt(t, rec.only(t)).Config.UserTimeout, "gRPC's 20s not written")
	}, grpc.WithKeepaliveParams(grpckeepalive.ClientParameters{Time: time.Minute}),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			c, err := dial(ctx, addr)
			if err != nil {
				return nil, err
			}
			rec.add(c)
			return wrapped{c}, nil
		}))
}

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
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	grpckeepalive "google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivegrpc"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

func TestMain(m *testing.M) {
	netns.Play(calls, keepalivegrpc.IsPeerGone)
	goleak.VerifyTestMain(netns.Summarised{M: m})
}

var (
	withUserTimeout = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}
	noUserTimeout   = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3}
)

// recorder keeps the connections a listener accepts or a dialer dials.
type recorder struct {
	mu    sync.Mutex
	conns []net.Conn
}

func (r *recorder) add(c net.Conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conns = append(r.conns, c)
}

func (r *recorder) only(t *testing.T) net.Conn {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	require.Len(t, r.conns, 1)
	return r.conns[0]
}

type recordingListener struct {
	net.Listener
	*recorder
}

func (l recordingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.add(c)
	}
	return c, err
}

// serve runs a gRPC server with the health service on ln.
func serve(t *testing.T, ln net.Listener, opts ...grpc.ServerOption) {
	srv := grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln)
	}()
	t.Cleanup(func() { srv.Stop(); <-done })
}

// check makes one health check RPC over a new client connection, and
// calls then, if not nil, before closing it.
func check(t *testing.T, addr string, then func(), opts ...grpc.DialOption) {
	t.Helper()
	conn, err := grpc.NewClient("passthrough:///"+addr, append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))...)
	require.NoError(t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	assert.Equal(t, healthpb.HealthCheckResponse_SERVING, resp.GetStatus())
	if then != nil {
		then()
	}
}

// TestServerUserTimeout reads back, on the socket a gRPC server serves,
// the TCP_USER_TIMEOUT gRPC leaves after writing its own.
func TestServerUserTimeout(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  keepalive.Config
		opt  grpc.ServerOption
		want time.Duration // TCP_USER_TIMEOUT on the served socket
	}{
		{"UserTimeout", withUserTimeout, keepalivegrpc.ServerOption(withUserTimeout, grpckeepalive.ServerParameters{}), 45 * time.Second},
		{"UserTimeout replaces Timeout", withUserTimeout, keepalivegrpc.ServerOption(withUserTimeout, grpckeepalive.ServerParameters{Time: time.Hour, Timeout: 10 * time.Second}), 45 * time.Second},
		{"no UserTimeout", noUserTimeout, keepalivegrpc.ServerOption(noUserTimeout, grpckeepalive.ServerParameters{}), 0},
		{"no UserTimeout, PINGs", noUserTimeout, keepalivegrpc.ServerOption(noUserTimeout, grpckeepalive.ServerParameters{Time: time.Hour}), 45 * time.Second},
		{"Within(5s)", keepalive.Within(5 * time.Second), keepalivegrpc.ServerOption(keepalive.Within(5*time.Second), grpckeepalive.ServerParameters{}), 4 * time.Second},
		// What the helper prevents: the Config's missing user timeout
		// passed on as zero, and gRPC's 20s default.
		{"trap: Timeout from a Config without one", noUserTimeout, grpc.KeepaliveParams(grpckeepalive.ServerParameters{Timeout: noUserTimeout.UserTimeout}), 20 * time.Second},
		{"trap: no option", withUserTimeout, nil, 20 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := keepalive.Listen(context.Background(), "tcp", "127.0.0.1:0", tt.cfg)
			require.NoError(t, err)
			rec := &recorder{}
			var opts []grpc.ServerOption
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			serve(t, recordingListener{ln, rec}, opts...)
			check(t, ln.Addr().String(), func() {
				st, err := keepalive.Get(rec.only(t))
				require.NoError(t, err)
				want := tt.cfg
				want.UserTimeout = tt.want
				assert.Equal(t, keepalive.State{Enabled: true, Config: want}, st)
				if tt.want != 20*time.Second {
					assert.NoError(t, st.Config.Coherent())
				}
			})
		})
	}
}

// TestClientUserTimeout reads back the client's socket.
func TestClientUserTimeout(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  keepalive.Config
		opt  grpc.DialOption
		want time.Duration
	}{
		{"DialOption alone", withUserTimeout, nil, 45 * time.Second},
		{"DialOption alone, no UserTimeout", noUserTimeout, nil, 0},
		{"ClientOption", withUserTimeout, keepalivegrpc.ClientOption(withUserTimeout, grpckeepalive.ClientParameters{Time: time.Minute}), 45 * time.Second},
		{"ClientOption, no UserTimeout", noUserTimeout, keepalivegrpc.ClientOption(noUserTimeout, grpckeepalive.ClientParameters{Time: time.Minute}), 45 * time.Second},
		{"trap: WithKeepaliveParams", withUserTimeout, grpc.WithKeepaliveParams(grpckeepalive.ClientParameters{Time: time.Minute}), 20 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			serve(t, ln)
			rec := &recorder{}
			dial, err := keepalivegrpc.Dialer(tt.cfg)
			require.NoError(t, err)
			opts := []grpc.DialOption{grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
				c, err := dial(ctx, addr)
				if err == nil {
					rec.add(c)
				}
				return c, err
			})}
			if tt.opt != nil {
				opts = append(opts, tt.opt)
			}
			check(t, ln.Addr().String(), func() {
				st, err := keepalive.Get(rec.only(t))
				require.NoError(t, err)
				want := tt.cfg
				want.UserTimeout = tt.want
				assert.Equal(t, keepalive.State{Enabled: true, Config: want}, st)
			}, opts...)
		})
	}
}

// TestDialerInvalidConfig: an invalid Config is Dialer's error, its
// *keepalive.ConfigError, before anything is dialed, as keepaliveredis's
// and keepalivepgx's Dialer have it.
func TestDialerInvalidConfig(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cfg   keepalive.Config
		field string
	}{
		{"negative Idle", keepalive.Config{Idle: -2 * time.Second}, "Idle"},
		{"negative Count", keepalive.Config{Count: -2}, "Count"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dial, err := keepalivegrpc.Dialer(tt.cfg)
			var ce *keepalive.ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
			assert.Nil(t, dial)
		})
	}
}

func TestServerParameters(t *testing.T) {
	p := keepalivegrpc.ServerParameters(noUserTimeout, grpckeepalive.ServerParameters{MaxConnectionIdle: time.Minute})
	assert.Equal(t, time.Minute, p.MaxConnectionIdle, "other fields are kept")
	assert.Greater(t, p.Time, 100*365*24*time.Hour, "no PINGs, no user timeout")
	assert.Zero(t, p.Timeout)
}

func TestIsPeerGone(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{status.Error(codes.Unavailable, "error reading from server: "+syscall.ETIMEDOUT.Error()), true},
		{status.Error(codes.Unavailable, "connection error: desc = \"transport: Error while dialing: dial tcp: "+syscall.ECONNRESET.Error()+"\""), false},
		{status.Error(codes.Unavailable, "error reading from server: "+syscall.ECONNRESET.Error()), true},
		{status.Error(codes.Canceled, syscall.ETIMEDOUT.Error()), false},
		{status.Error(codes.DeadlineExceeded, "context deadline exceeded"), false},
		{&net.OpError{Op: "read", Err: syscall.ETIMEDOUT}, true},
		{context.Canceled, false},
	} {
		assert.Equal(t, tt.want, keepalivegrpc.IsPeerGone(tt.err), "%v", tt.err)
	}
}

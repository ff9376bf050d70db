package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/tcpkeepalive/keepalive"
)

// lbIdle is the load balancer's idle timeout the test configures for.
const lbIdle = 350 * time.Second

// TestService runs what runs without the servers: the gRPC server, with
// a client of its own through the backend option, and the HTTP client;
// the pool's and Redis's dialers dial a loopback listener (neither
// connects before it is used). Every socket, read back from the kernel,
// holds the one Config, and its probes come well within the load
// balancer's idle timeout.
func TestService(t *testing.T) {
	cfg := keepalive.Within(10 * time.Second).Under(lbIdle)
	require.NoError(t, cfg.Validate())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	ln, err := keepalive.Listen(ctx, "tcp", "127.0.0.1:0", cfg)
	require.NoError(t, err)
	accepted := make(chan net.Conn, 1)
	loopback, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer loopback.Close()
	var mu sync.Mutex
	var dialed []net.Conn
	svc, err := newService(ctx, cfg, settings{
		database: "postgres://app@" + loopback.Addr().String() + "/app",
		redis:    "redis://" + loopback.Addr().String() + "/0",
		backend:  "passthrough:///" + ln.Addr().String(),
		onDial: func(conn net.Conn, st keepalive.State, err error) {
			assert.NoError(t, err)
			assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st, "ObserveDials' report")
			mu.Lock()
			defer mu.Unlock()
			dialed = append(dialed, conn)
		},
	})
	require.NoError(t, err)
	defer svc.close()
	served := make(chan error, 1)
	go func() { served <- svc.grpc.Serve(recording{ln, accepted}) }()
	defer func() { svc.grpc.Stop(); <-served }()

	sockets := map[string]net.Conn{}
	// gRPC: the backend client calls the service itself.
	resp, err := healthpb.NewHealthClient(svc.backend).Check(ctx, &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	assert.Equal(t, healthpb.HealthCheckResponse_SERVING, resp.GetStatus())
	sockets["gRPC server"] = <-accepted
	mu.Lock()
	require.Len(t, dialed, 1, "backend connections reported")
	sockets["gRPC client"] = dialed[0]
	mu.Unlock()

	// HTTP: the connection the request went over.
	web := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer web.Close()
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { sockets["HTTP client"] = info.Conn }}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), http.MethodGet, web.URL, nil)
	require.NoError(t, err)
	res, err := svc.http.Do(req)
	require.NoError(t, err)
	res.Body.Close()

	// pgxpool and go-redis: their dialers, as they will dial.
	pc := svc.db.Config().ConnConfig
	sockets["pgxpool"], err = pc.DialFunc(ctx, "tcp", loopback.Addr().String())
	require.NoError(t, err)
	defer sockets["pgxpool"].Close()
	sockets["go-redis"], err = svc.redis.Options().Dialer(ctx, "tcp", svc.redis.Options().Addr)
	require.NoError(t, err)
	defer sockets["go-redis"].Close()

	for name, conn := range sockets {
		st, err := keepalive.Get(conn)
		require.NoError(t, err, name)
		assert.Equal(t, keepalive.State{Enabled: true, Config: cfg}, st, name)
		assert.Less(t, st.Config.Idle+st.Config.Interval, lbIdle, "%s: probes within the load balancer's idle timeout", name)
		assert.LessOrEqual(t, st.Timeout(), 10*time.Second, name)
	}
	require.Len(t, sockets, 5)
}

// TestServiceDatabase: the pool checks connections as it hands them out
// (CheckBeforeAcquire's hooks), and libpq's keep-alive keys in the
// connection string win over the Config from code.
func TestServiceDatabase(t *testing.T) {
	cfg := keepalive.Within(10 * time.Second).Under(lbIdle)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	loopback, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer loopback.Close()
	for _, tc := range []struct {
		name, query string
		want        keepalive.Config
	}{
		{"Config from code", "", cfg},
		{"connection string's keys", "?keepalives_idle=60&keepalives_interval=5&keepalives_count=3",
			keepalive.Config{Idle: 60 * time.Second, Interval: 5 * time.Second, Count: 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := newService(ctx, cfg, settings{
				database: "postgres://app@" + loopback.Addr().String() + "/app" + tc.query,
				redis:    "redis://" + loopback.Addr().String() + "/0",
			})
			require.NoError(t, err)
			defer svc.close()
			pc := svc.db.Config()
			// pgxpool's own defaults leave both nil.
			assert.True(t, pc.PrepareConn != nil || pc.ShouldPing != nil, "CheckBeforeAcquire's hooks")
			assert.Empty(t, pc.ConnConfig.RuntimeParams, "libpq's keys must not reach the server")
			conn, err := pc.ConnConfig.DialFunc(ctx, "tcp", loopback.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			st, err := keepalive.Get(conn)
			require.NoError(t, err)
			assert.Equal(t, keepalive.State{Enabled: true, Config: tc.want}, st)
		})
	}
}

// recording passes each accepted connection on.
type recording struct {
	net.Listener
	accepted chan<- net.Conn
}

func (l recording) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		select {
		case l.accepted <- c:
		default:
		}
	}
	return c, err
}

package main

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/tcpkeepalive/keepalive"
)

// recorder keeps the connections its listener accepts.
type recorder struct {
	net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func (r *recorder) Accept() (net.Conn, error) {
	c, err := r.Listener.Accept()
	if err == nil {
		r.mu.Lock()
		r.conns = append(r.conns, c)
		r.mu.Unlock()
	}
	return c, err
}

func TestHealthCheckOverConfiguredSockets(t *testing.T) {
	serverSide, clientSide := healthCheck(t)
	assert.Equal(t, "on idle=30s,interval=5s,count=3,user-timeout=45s", serverSide.String(), "the server's socket")
	assert.Equal(t, "on idle=30s,interval=5s,count=3,user-timeout=45s", clientSide.String(), "the client's socket")
}

// TestGRPCOverwritesUserTimeout shows why serve passes ServerParameters:
// without them gRPC sets its own 20s user timeout after Accept.
func TestGRPCOverwritesUserTimeout(t *testing.T) {
	serverSide, _ := healthCheck(t, grpc.EmptyServerOption{})
	assert.Equal(t, 20*time.Second, serverSide.Config.UserTimeout)
	assert.Equal(t, cfg.Idle, serverSide.Config.Idle)
}

// healthCheck runs one health check and returns what the kernel holds
// for both ends.
func healthCheck(t *testing.T, opts ...grpc.ServerOption) (server, client keepalive.State) {
	t.Helper()
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	rec := &recorder{Listener: inner}
	srv := serve(rec, opts...)
	defer srv.Stop()

	dialed := make(chan net.Conn, 1)
	conn, err := dial(inner.Addr().String(), func(c net.Conn) { dialed <- c })
	require.NoError(t, err)
	defer conn.Close()
	status, err := check(conn)
	require.NoError(t, err)
	assert.Equal(t, healthpb.HealthCheckResponse_SERVING, status)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.conns, 1)
	server, err = keepalive.Get(rec.conns[0])
	require.NoError(t, err)
	client, err = keepalive.Get(<-dialed)
	require.NoError(t, err)
	return server, client
}

// Command grpc runs a gRPC health check over loopback with TCP keep-alive
// configured on both ends: the server serves on keepalive.WrapListener,
// the client dials through grpc.WithContextDialer and keepalive.NewDialer.
//
// TCP keep-alive and gRPC's own keepalive (grpc/keepalive.ClientParameters
// and ServerParameters) work at different layers: gRPC sends HTTP/2 PING
// frames, which a server may limit or punish (EnforcementPolicy, GOAWAY
// "too_many_pings"), and which also prove that the peer's gRPC stack
// answers; TCP keep-alive is answered by the peer's kernel, costs nothing
// above it, and cannot upset a server's policy. TCP_USER_TIMEOUT adds what
// neither has: a bound on a busy connection whose data goes unacknowledged.
// Use TCP keep-alive (with a UserTimeout) to notice dead peers and paths
// cheaply on every connection; add gRPC pings where a hung server process
// on a live host must be noticed too.
//
// The two meet at TCP_USER_TIMEOUT: a gRPC server sets it on every
// connection it serves, after Accept, to ServerParameters.Timeout (20s by
// default), and a client with ClientParameters.Time set does the same
// with ClientParameters.Timeout — overwriting the Config's UserTimeout.
// So give gRPC the same value, as serve does here.
package main

import (
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	grpckeepalive "google.golang.org/grpc/keepalive"

	"github.com/tcpkeepalive/keepalive"
)

var cfg = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}

// serve starts a gRPC server with the health service on ln, wrapped.
// gRPC would overwrite the user timeout with its own 20s default;
// ServerParameters.Timeout keeps it cfg's.
func serve(ln net.Listener, opts ...grpc.ServerOption) *grpc.Server {
	if opts == nil {
		opts = []grpc.ServerOption{grpc.KeepaliveParams(grpckeepalive.ServerParameters{Timeout: cfg.UserTimeout})}
	}
	srv := grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(keepalive.WrapListener(ln, cfg))
	return srv
}

// dial connects a client whose TCP connections carry cfg; seen, if not
// nil, is shown each connection.
func dial(addr string, seen func(net.Conn)) (*grpc.ClientConn, error) {
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	return grpc.NewClient("passthrough:///"+addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithContextDialer(func(ctx context.Context, addr string) (net.Conn, error) {
			c, err := d.DialContext(ctx, "tcp", addr)
			if err == nil && seen != nil {
				seen(c)
			}
			return c, err
		}))
}

func check(conn *grpc.ClientConn) (healthpb.HealthCheckResponse_ServingStatus, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	if err != nil {
		return 0, err
	}
	return resp.GetStatus(), nil
}

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := serve(ln)
	defer srv.Stop()
	conn, err := dial(ln.Addr().String(), nil)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	status, err := check(conn)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("health:", status)
}

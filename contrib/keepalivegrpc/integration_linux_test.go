package keepalivegrpc_test

// Real gRPC servers in the server's namespace, real gRPC clients in the
// client's, one host vanishing (the router drops everything). Needs
// root; run alone with
//
//	sudo go test -count=1 -v -run TestIntegration .

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	grpckeepalive "google.golang.org/grpc/keepalive"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivegrpc"
	"github.com/tcpkeepalive/keepalive/internal/netns"
)

const within = 5 * time.Second

var cfg = keepalive.Within(within)

func dial(addr string, with bool) (*grpc.ClientConn, error) {
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if with {
		opts = append(opts, keepalivegrpc.DialOption(cfg))
	}
	return grpc.NewClient("passthrough:///"+addr, opts...)
}

// serveHealth serves the health service on addr until the process is
// killed; with the integration, measured tells when a Watch stream's
// handler started and returns its error.
func serveHealth(addr string, with bool, inflight func()) error {
	var ln net.Listener
	var err error
	var opts []grpc.ServerOption
	if with {
		ln, err = keepalive.Listen(context.Background(), "tcp", addr, cfg)
		opts = append(opts, keepalivegrpc.ServerOption(cfg, grpckeepalive.ServerParameters{}))
	} else {
		ln, err = net.Listen("tcp", addr)
	}
	if err != nil {
		return err
	}
	fmt.Println("listening")
	ended := make(chan error, 1)
	opts = append(opts, grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		inflight()
		err := handler(srv, ss)
		ended <- err
		return err
	}))
	srv := grpc.NewServer(opts...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	go srv.Serve(ln)
	return <-ended
}

// The calls, each played by the test binary in a namespace.
var calls = map[string]netns.CallFunc{
	// A server for the client calls; it prints inflight once serving.
	"server": func(addr string, inflight func()) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return err
		}
		srv := grpc.NewServer()
		healthpb.RegisterHealthServer(srv, health.NewServer())
		inflight()
		return srv.Serve(ln)
	},
	// Servers whose Watch handler waits for its client, which vanishes.
	"server-notices":         func(addr string, inflight func()) error { return serveHealth(addr, true, inflight) },
	"server-notices-without": func(addr string, inflight func()) error { return serveHealth(addr, false, inflight) },
	// A client that opens a Watch stream and waits, for the servers above.
	"watcher": func(addr string, inflight func()) error { return watch(addr, false, inflight) },
}

// watch opens a server-streaming RPC and waits for its next message.
func watch(addr string, with bool, inflight func()) error {
	conn, err := dial(addr, with)
	if err != nil {
		return err
	}
	defer conn.Close()
	stream, err := healthpb.NewHealthClient(conn).Watch(context.Background(), &healthpb.HealthCheckRequest{}, grpc.WaitForReady(true))
	if err != nil {
		return err
	}
	if _, err := stream.Recv(); err != nil {
		return err
	}
	inflight()
	_, err = stream.Recv()
	return err
}

// checks makes unary RPCs one after the other, busy: after the cut, the
// request of the one in flight goes unacknowledged.
func checks(addr string, with bool, inflight func()) error {
	conn, err := dial(addr, with)
	if err != nil {
		return err
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)
	for i := 0; ; i++ {
		if _, err := client.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
			return err
		}
		if i == 0 {
			inflight()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func init() {
	calls["watch"] = func(addr string, inflight func()) error { return watch(addr, true, inflight) }
	calls["watch-without"] = func(addr string, inflight func()) error { return watch(addr, false, inflight) }
	calls["check"] = func(addr string, inflight func()) error { return checks(addr, true, inflight) }
	calls["check-without"] = func(addr string, inflight func()) error { return checks(addr, false, inflight) }
}

func TestIntegrationDeadServer(t *testing.T) {
	t.Parallel()
	n := netns.New(t)
	addr := func(port string) string { return net.JoinHostPort(netns.PeerAddr, port) }
	server := n.StartCall(n.Peer, "server", addr("50050"))
	server.Expect("inflight", 30*time.Second)
	notices := n.StartCall(n.Peer, "server-notices", addr("50051"))
	noticesWithout := n.StartCall(n.Peer, "server-notices-without", addr("50052"))
	notices.Expect("listening", 30*time.Second)
	noticesWithout.Expect("listening", 30*time.Second)
	n.StartCall(n.Client, "watcher", addr("50051"))
	n.StartCall(n.Client, "watcher", addr("50052"))
	client := func(name string) *netns.Process { return n.StartCall(n.Client, name, addr("50050")) }
	n.CutAndCheck(t, cfg, within, []netns.Case{
		{Name: "server-streaming RPC waiting", With: client("watch"), Without: client("watch-without"), Gone: netns.ByHelper},
		{Name: "unary RPC in flight", With: client("check"), Without: client("check-without"), Gone: netns.ByHelper},
		{Name: "server noticing a vanished client", With: notices, Without: noticesWithout,
			Note: "the handler sees its stream's context canceled (codes.Canceled); gRPC does not hand it the transport's error"},
	})
}

package keepalivegrpc_test

import (
	"context"
	"fmt"
	"log"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	grpckeepalive "google.golang.org/grpc/keepalive"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivegrpc"
)

// A server whose connections notice a dead client within 10s, the user
// timeout gRPC writes on each of them agreeing with the Config.
func ExampleServerOption() {
	cfg := keepalive.Within(10 * time.Second)
	ln, err := keepalive.Listen(context.Background(), "tcp", "127.0.0.1:0", cfg)
	if err != nil {
		log.Fatal(err)
	}
	srv := grpc.NewServer(keepalivegrpc.ServerOption(cfg, grpckeepalive.ServerParameters{}))
	// register services …
	log.Fatal(srv.Serve(ln))
}

// A client whose RPCs fail within 10s of the server's host vanishing.
func ExampleDialOption() {
	conn, err := grpc.NewClient("dns:///backend:443",
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		keepalivegrpc.DialOption(keepalive.Within(10*time.Second)))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	// err := client.SomeRPC(ctx, req)
	// if keepalivegrpc.IsPeerGone(err) { … }
}

// A client that logs what each of its sockets holds once gRPC has set it
// up, gRPC's own TCP_USER_TIMEOUT included.
func ExampleObserveDials() {
	cfg := keepalive.Within(10 * time.Second)
	opts := keepalivegrpc.ObserveDials(cfg, func(conn net.Conn, st keepalive.State, err error) {
		if err != nil {
			log.Printf("keepalive: %v", err)
			return
		}
		log.Printf("keepalive: %v → %v: %v (bound %v)", conn.LocalAddr(), conn.RemoteAddr(), st.Config, st.Timeout())
	})
	opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()),
		keepalivegrpc.ClientOption(cfg, grpckeepalive.ClientParameters{Time: time.Minute}))
	conn, err := grpc.NewClient("dns:///backend:443", opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
}

// What gRPC is given for a Config without a user timeout: with PINGs
// asked for, a Timeout equal to the Config's bound; without, no PINGs and
// no user timeout at all (gRPC would otherwise write its 20s).
func ExampleServerParameters() {
	cfg := keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3}
	p := keepalivegrpc.ServerParameters(cfg, grpckeepalive.ServerParameters{Time: time.Hour})
	fmt.Println(p.Time, p.Timeout)
	p = keepalivegrpc.ServerParameters(cfg, grpckeepalive.ServerParameters{})
	fmt.Println(p.Time > 100*365*24*time.Hour, p.Timeout)
	// Output:
	// 1h0m0s 45s
	// true 0s
}

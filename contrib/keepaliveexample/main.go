// Command keepaliveexample is the service many teams run, with every TCP
// connection it has configured from one keepalive.Config: a gRPC server
// behind a load balancer that forgets idle flows (an AWS Network Load
// Balancer: 350s by default), PostgreSQL through pgxpool (its pool
// checking each connection as it hands it out), Redis through
// go-redis, other services over HTTP and, if -backend is given, over
// gRPC. Copy it and replace the health service with yours.
//
// keepalive.Within(d) notices a dead peer — a host that vanished, a path
// that went dark — within d, idle or busy; Under(t) sends the probes
// often enough that the load balancer never sees a connection idle for
// t, so it does not drop the client's idle streams either.
//
//	go run . -within 10s -lb-idle-timeout 350s \
//	  -database postgres://app@db:5432/app -redis redis://cache:6379/0
package main

import (
	"context"
	"flag"
	"log"
	"net"
	"net/http"
	"os/signal"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	grpckeepalive "google.golang.org/grpc/keepalive"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivegrpc"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivehttp"
	"github.com/tcpkeepalive/keepalive/contrib/keepalivepgx"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveredis"
)

func main() {
	var s settings
	flag.StringVar(&s.listen, "listen", ":50051", "the gRPC server's address")
	within := flag.Duration("within", 10*time.Second, "notice a dead peer within this")
	lbIdle := flag.Duration("lb-idle-timeout", 350*time.Second, "the load balancer's idle timeout (AWS NLB: 350s); 0 for none")
	flag.StringVar(&s.database, "database", "postgres://app@localhost:5432/app", "PostgreSQL connection string")
	flag.StringVar(&s.redis, "redis", "redis://localhost:6379/0", "Redis URL")
	flag.StringVar(&s.backend, "backend", "", "a gRPC backend to call (dns:///host:port); none if empty")
	flag.Parse()
	s.onDial = logBackend

	// The one Config. Within(10s) on Linux: idle 1s, interval 1s, 7
	// probes, user timeout 8s; Under(350s) leaves it as it is, its probes
	// coming far more often than the load balancer forgets. With
	// Within(30s).Under(60s): idle 18s, interval 1s, 8 probes, 26s.
	cfg := keepalive.Within(*within).Under(*lbIdle)
	if err := cfg.Validate(); err != nil {
		log.Fatal(err) // OpenBSD and AIX cannot set the timers Under needs
	}
	log.Printf("keepalive %v: a dead peer is noticed within %v", cfg, cfg.Timeout())

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	svc, err := newService(ctx, cfg, s)
	if err != nil {
		log.Fatal(err)
	}
	defer svc.close()
	// Accepted connections get cfg; ServerOption keeps the
	// TCP_USER_TIMEOUT gRPC writes on each of them equal to cfg's.
	ln, err := keepalive.Listen(ctx, "tcp", s.listen, cfg)
	if err != nil {
		log.Fatal(err)
	}
	go func() { <-ctx.Done(); svc.grpc.GracefulStop() }()
	if err := svc.grpc.Serve(ln); err != nil {
		log.Fatal(err)
	}
}

// settings are where the service's dependencies are.
type settings struct {
	listen, database, redis, backend string
	// onDial is told what each connection to the backend holds.
	onDial func(net.Conn, keepalive.State, error)
}

// logBackend logs what a connection to the backend holds, once gRPC has
// set it up.
func logBackend(conn net.Conn, st keepalive.State, err error) {
	if err != nil {
		log.Printf("backend: %v", err)
		return
	}
	log.Printf("backend %v: keepalive %v, a dead peer noticed within %v", conn.RemoteAddr(), st.Config, st.Timeout())
}

// service holds the server and the clients, each dialing with cfg.
type service struct {
	grpc    *grpc.Server
	db      *pgxpool.Pool
	redis   *redis.Client
	http    *http.Client
	backend *grpc.ClientConn // nil without -backend
}

func newService(ctx context.Context, cfg keepalive.Config, s settings) (*service, error) {
	svc := &service{
		// No PINGs of gRPC's own (ServerParameters{}): the kernel's
		// probes keep the load balancer's flow and notice dead clients.
		grpc: grpc.NewServer(keepalivegrpc.ServerOption(cfg, grpckeepalive.ServerParameters{})),
		// The default Transport's HTTP/2, proxy and timeouts, with cfg.
		http: keepalivehttp.Client(cfg),
	}
	healthpb.RegisterHealthServer(svc.grpc, health.NewServer())

	// libpq's keep-alive keys if the connection string has any (they win:
	// an operator's keepalives_idle=60 is kept), else cfg.
	pc, err := keepalivepgx.ParsePoolConfig(s.database, cfg)
	if err != nil {
		return nil, err
	}
	// The pool hands out no connection keepalive.Check rejects (probes
	// unanswered, the peer gone), without a ping for those it passes.
	keepalivepgx.CheckBeforeAcquire(pc)
	svc.db, err = pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, err
	}

	ro, err := redis.ParseURL(s.redis)
	if err != nil {
		svc.close()
		return nil, err
	}
	// After ParseURL, so that its DialTimeout and TLSConfig are kept.
	if err := keepaliveredis.Configure(ro, cfg); err != nil {
		svc.close()
		return nil, err
	}
	svc.redis = redis.NewClient(ro)

	if s.backend != "" {
		// ObserveDials: gRPC hands out no connection; onDial sees each.
		opts := keepalivegrpc.ObserveDials(cfg, s.onDial)
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
		svc.backend, err = grpc.NewClient(s.backend, opts...)
		if err != nil {
			svc.close()
			return nil, err
		}
	}
	return svc, nil
}

func (svc *service) close() {
	if svc.backend != nil {
		svc.backend.Close()
	}
	if svc.redis != nil {
		svc.redis.Close()
	}
	svc.db.Close()
	svc.http.CloseIdleConnections()
}

// Package keepalivegrpc puts a keepalive.Config on the TCP connections of
// gRPC clients and servers (google.golang.org/grpc), and keeps the
// TCP_USER_TIMEOUT that gRPC writes itself coherent with it.
//
// gRPC writes TCP_USER_TIMEOUT on connections of its own accord
// (grpc-go v1.85, internal/transport): a server on every connection it
// serves, right after Accept, to ServerParameters.Timeout (20s if zero)
// unless ServerParameters.Time is infinite, which it is not by default
// (2h); a client whenever ClientParameters.Time is set (and
// grpc.WithKeepaliveParams always sets it, to at least 10s), to
// ClientParameters.Timeout (20s if zero). A listener or dialer that set
// the Config's user timeout is overwritten: with a Config that has none
// the socket gets 20s, which turns a lost probe into a dropped
// connection when probes are 15s apart (grpc-go issue 6250), and a
// Config with a longer one loses it. ServerParameters and
// ClientParameters return gRPC's parameters with the value the Config
// means, and ServerOption and KeepaliveParams hand them to gRPC.
// DialOptions shows what each socket a client dials holds once gRPC has
// written to it.
//
// gRPC's own keepalive (HTTP/2 PINGs, ClientParameters and
// ServerParameters.Time) proves that the peer's gRPC stack answers, but
// servers limit it (EnforcementPolicy, GOAWAY "too_many_pings"); TCP
// keep-alive is answered by the peer's kernel and costs nothing above it,
// and the user timeout bounds a busy connection, which neither has
// otherwise. The Config notices dead peers and paths on every connection;
// add gRPC pings where a hung server process on a live host must be
// noticed too.
package keepalivegrpc

import (
	"context"
	"math"
	"net"
	"time"

	"google.golang.org/grpc"
	grpckeepalive "google.golang.org/grpc/keepalive"

	"github.com/tcpkeepalive/keepalive"
)

// infinity is the Time with which gRPC neither pings nor writes
// TCP_USER_TIMEOUT (its internal/transport's infinity).
const infinity = time.Duration(math.MaxInt64)

// Dialer returns a function for grpc.WithContextDialer that dials TCP
// with cfg.
func Dialer(cfg keepalive.Config) func(ctx context.Context, addr string) (net.Conn, error) {
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	return func(ctx context.Context, addr string) (net.Conn, error) {
		return d.DialContext(ctx, "tcp", addr)
	}
}

// DialOption returns a grpc.DialOption that dials the client's
// connections with cfg. gRPC keeps the socket's user timeout unless
// grpc.WithKeepaliveParams is given too: then give it KeepaliveParams.
func DialOption(cfg keepalive.Config) grpc.DialOption {
	return grpc.WithContextDialer(Dialer(cfg))
}

// userTimeout is the TCP_USER_TIMEOUT a socket with cfg should have,
// where gRPC insists on writing one: cfg's own, or, if cfg has none,
// cfg.Timeout(), which agrees with its Count (an idle connection is still
// dropped at the last probe) and bounds a busy connection as long.
func userTimeout(cfg keepalive.Config) time.Duration {
	if cfg.UserTimeout > 0 {
		return cfg.UserTimeout
	}
	return cfg.Timeout()
}

// ServerParameters returns p adjusted so that the TCP_USER_TIMEOUT gRPC
// writes on every connection it serves is cfg's:
//   - cfg has a UserTimeout: Timeout is set to it (any Timeout in p is
//     replaced: gRPC uses the one value both to wait for a PING's ack and
//     for TCP_USER_TIMEOUT);
//   - cfg has none and p.Time is zero: Time is set to infinity, so that
//     gRPC writes no user timeout (and sends no PINGs, which by default
//     it would after 2h of silence);
//   - cfg has none and p asks for PINGs (p.Time set): Timeout is set to
//     cfg.Timeout(), the bound cfg gives an idle connection, which agrees
//     with cfg's Count.
func ServerParameters(cfg keepalive.Config, p grpckeepalive.ServerParameters) grpckeepalive.ServerParameters {
	switch {
	case cfg.UserTimeout > 0:
		p.Timeout = cfg.UserTimeout
	case p.Time == 0:
		p.Time = infinity
	default:
		p.Timeout = userTimeout(cfg)
	}
	return p
}

// ServerOption returns grpc.KeepaliveParams(ServerParameters(cfg, p)).
// Serve on a listener that gives accepted connections cfg: keepalive.Listen's, or
// keepalive.WrapListener of your own.
func ServerOption(cfg keepalive.Config, p grpckeepalive.ServerParameters) grpc.ServerOption {
	return grpc.KeepaliveParams(ServerParameters(cfg, p))
}

// ClientParameters returns p with Timeout set to the TCP_USER_TIMEOUT a
// client connection with cfg should have: cfg.UserTimeout, or, if cfg has
// none, cfg.Timeout(). A client given grpc.WithKeepaliveParams always
// writes Timeout as TCP_USER_TIMEOUT (20s if zero).
func ClientParameters(cfg keepalive.Config, p grpckeepalive.ClientParameters) grpckeepalive.ClientParameters {
	p.Timeout = userTimeout(cfg)
	return p
}

// KeepaliveParams returns grpc.WithKeepaliveParams(ClientParameters(cfg,
// p)), for clients that want gRPC's PINGs as well.
func KeepaliveParams(cfg keepalive.Config, p grpckeepalive.ClientParameters) grpc.DialOption {
	return grpc.WithKeepaliveParams(ClientParameters(cfg, p))
}

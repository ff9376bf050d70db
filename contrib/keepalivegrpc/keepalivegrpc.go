// Package keepalivegrpc puts a keepalive.Config on the TCP connections of
// gRPC clients and servers (google.golang.org/grpc), and keeps the
// TCP_USER_TIMEOUT that gRPC writes itself coherent with it.
//
// gRPC writes TCP_USER_TIMEOUT on its connections of its own accord: a
// server on every connection it serves (20s unless told otherwise), a
// client whenever it is given keep-alive parameters. That overwrites the
// Config's user timeout, and with a Config that has none turns a lost
// probe into a dropped connection. ServerParameters and ClientParameters
// return gRPC's parameters with the value the Config means, and
// ServerOption and ClientOption hand them to gRPC; DialOption dials with
// the Config, and ObserveDials also shows what each socket holds once
// gRPC has written to it. TCP keep-alive is answered by the peer's kernel;
// add gRPC's own PINGs where a hung server process on a live host must be
// noticed too. The names follow the modules' one vocabulary
// (docs/integrations.md#vocabulary); gRPC's code paths:
// docs/integrations.md#grpc.
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
// with cfg, opts (keepalive.WithTracker) applied after it. An invalid
// cfg is its *keepalive.ConfigError.
func Dialer(cfg keepalive.Config, opts ...keepalive.DialOption) (func(ctx context.Context, addr string) (net.Conn, error), error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return dialer(cfg, opts), nil
}

// dialer is Dialer without the check: an invalid cfg fails each dial.
func dialer(cfg keepalive.Config, opts []keepalive.DialOption) func(ctx context.Context, addr string) (net.Conn, error) {
	d := keepalive.NewDialer(append([]keepalive.DialOption{keepalive.WithKeepalive(cfg)}, opts...)...)
	return func(ctx context.Context, addr string) (net.Conn, error) {
		return d.DialContext(ctx, "tcp", addr)
	}
}

// DialOption returns a grpc.DialOption that dials the client's
// connections with cfg (Dialer, opts included). gRPC keeps the socket's
// user timeout unless given keep-alive parameters too: give them with
// ClientOption. An invalid cfg fails each dial with its
// *keepalive.ConfigError, as keepalive.NewDialer's does; Validate it
// first, or use Dialer, to find out at once.
func DialOption(cfg keepalive.Config, opts ...keepalive.DialOption) grpc.DialOption {
	return grpc.WithContextDialer(dialer(cfg, opts))
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
//   - cfg has none and p.Time is zero: Time is set to the largest
//     time.Duration, which gRPC takes as never, so that gRPC writes no
//     user timeout (and sends no PINGs, which by default it would after
//     2h of silence);
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
// Serve on a listener that gives accepted connections cfg:
// keepalive.Listen's, or keepalive.WrapListener of your own.
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

// ClientOption returns grpc.WithKeepaliveParams(ClientParameters(cfg,
// p)), for clients that want gRPC's PINGs as well; ServerOption is the
// server's.
func ClientOption(cfg keepalive.Config, p grpckeepalive.ClientParameters) grpc.DialOption {
	return grpc.WithKeepaliveParams(ClientParameters(cfg, p))
}

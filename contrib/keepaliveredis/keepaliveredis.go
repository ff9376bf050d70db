// Package keepaliveredis dials go-redis connections with TCP keep-alive
// and a user timeout from a keepalive.Config, so that a command waiting
// on a Redis server whose host died (BLPOP, a pipeline being written)
// fails within the Config's bound instead of hanging for as long as the
// kernel retries.
//
// go-redis's own dialer turns keep-alive on (30s idle, 5s interval, 3
// probes in v9.23) but sets no user timeout, so a command whose data is
// unacknowledged waits out the kernel's retransmissions (about 15
// minutes) unless a ReadTimeout ends it first; BLPOP and other blocking
// commands have none.
//
// The connections the Dialer returns keep the error with which the
// kernel reported the peer gone: go-redis (v9.23, RESP3) peeks for push
// notifications before it reads a reply, logs the error that peek gets
// and reads again, and the second read finds only io.EOF. With the
// error kept, the command fails with it (ETIMEDOUT after the user
// timeout) and keepalive.IsPeerGone recognises it.
//
// Without TLS, go-redis's pool check (run before it hands out an idle
// connection) asks keepalive.Check too, and so drops a connection whose
// keep-alive probes go unanswered instead of writing the next command
// into it: see check.go and docs/integrations.md.
package keepaliveredis

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/stickyconn"
)

// Dialer returns a function for the Dialer field of redis.Options (and
// of ClusterOptions, RingOptions, FailoverOptions, UniversalOptions)
// that dials with cfg. Like go-redis's own dialer it gives up after
// dialTimeout (none if zero) and, when tlsConfig is not nil, speaks TLS
// over the connection.
//
// Without TLS, go-redis's pool asks keepalive.Check about an idle
// connection before it hands it out, and drops one whose keep-alive
// probes go unanswered (keepalive.ErrUnanswered) as it drops a reset one,
// instead of writing the next command into it. See check.go for how.
func Dialer(cfg keepalive.Config, dialTimeout time.Duration, tlsConfig *tls.Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return dialer(cfg, dialTimeout, tlsConfig, keepalive.Check)
}

// dialer is Dialer with go-redis's health check going through check
// first, or, with check nil, as go-redis has it.
func dialer(cfg keepalive.Config, dialTimeout time.Duration, tlsConfig *tls.Config, check func(net.Conn) error) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	d.Timeout = dialTimeout
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		conn := stickyconn.Wrap(c)
		if tlsConfig == nil {
			if check != nil {
				conn = withCheck(conn, c, check)
			}
			return conn, nil
		}
		cfg := tlsConfig.Clone()
		if cfg.ServerName == "" {
			if host, _, err := net.SplitHostPort(addr); err == nil {
				cfg.ServerName = host
			}
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		return tc, nil
	}
}

// Options sets o.Dialer to dial with cfg, with o's DialTimeout (go-redis's
// default of 5s if zero) and TLSConfig, and returns o. Call it after
// setting those fields, or on the result of redis.ParseURL.
func Options(o *redis.Options, cfg keepalive.Config) *redis.Options {
	timeout := o.DialTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	o.Dialer = Dialer(cfg, timeout, o.TLSConfig)
	return o
}

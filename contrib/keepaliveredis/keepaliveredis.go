// Package keepaliveredis dials go-redis connections with TCP keep-alive
// and a user timeout from a keepalive.Config, so that a command to a
// Redis server whose host died (GET, BLPOP, a pipeline being written)
// fails within the Config's bound (twice it, for a command go-redis
// retries) instead of hanging for as long as the kernel retries (about
// 15 minutes for unacknowledged data; go-redis's own dialer sets
// keep-alive but no user timeout).
//
// Options is the one call to make: it sets the Dialer, and the retry and
// timeout fields left zero, so that go-redis's retries (3 commands' and
// 5 dials' by default, 81s in all for a GET to a vanished host) do not
// undo the bound. Where the kernel ends the command (BLPOP, which has no
// read deadline), its error is the kernel's (ETIMEDOUT after the user
// timeout), which keepalive.IsPeerGone recognises; where go-redis's
// ReadTimeout or DialTimeout ends it first, an i/o timeout. go-redis's
// pool check before it hands out an idle connection (without TLS) also
// asks keepalive.Check, so a connection whose probes go unanswered is
// dropped instead of written into. docs/integrations.md has go-redis's
// code paths, and docs/measurements.md the figures.
package keepaliveredis

import (
	"context"
	"crypto/tls"
	"errors"
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
// over the connection. It returns cfg's Validate error, if any, and no
// function.
//
// Without TLS, go-redis's pool asks keepalive.Check about an idle
// connection before it hands it out, and drops one whose keep-alive
// probes go unanswered (keepalive.ErrUnanswered) as it drops a reset one,
// instead of writing the next command into it. Dialer leaves go-redis's
// retries as they are: Options bounds them.
func Dialer(cfg keepalive.Config, dialTimeout time.Duration, tlsConfig *tls.Config) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return dialer(cfg, dialTimeout, tlsConfig, keepalive.Check), nil
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

// Options sets o.Dialer to dial with cfg, and returns o. Call it after
// setting o's fields, or on the result of redis.ParseURL. It returns cfg's
// Validate error, or an error for a nil o, and changes nothing then.
//
// So that a command to a host that vanished fails within twice
// cfg.Timeout(), it sets the fields o leaves zero: MaxRetries to 1 (one
// retry, on a fresh connection) with no backoff (MinRetryBackoff -1, when
// MaxRetries was zero too), DialerRetries to 1 (the command's retry dials
// again), and DialTimeout and ReadTimeout, which WriteTimeout follows, to
// go-redis's 5s or cfg.Timeout(), whichever is shorter. Each of the two
// attempts then ends within cfg.Timeout(): on a read, or on a dial the
// dead host never answers.
//
// Fields o sets are kept, and bound a command to a vanished host to
// (MaxRetries+1) attempts, each waiting at most the longer of a read
// (ReadTimeout, or less where cfg's user timeout ends it) and its dials
// (DialerRetries × DialTimeout, DialerRetryTimeout between), plus a
// backoff of up to MaxRetryBackoff before each retry.
func Options(o *redis.Options, cfg keepalive.Config) (*redis.Options, error) {
	if o == nil {
		return nil, errors.New("keepaliveredis: nil *redis.Options")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	bound := cfg.Timeout()
	perAttempt := min(goRedisTimeout, bound)
	if o.MaxRetries == 0 {
		o.MaxRetries = 1
		if o.MinRetryBackoff == 0 {
			o.MinRetryBackoff = -1
		}
	}
	if o.DialerRetries <= 0 { // go-redis takes <= 0 for its default, 5
		o.DialerRetries = 1
	}
	if o.DialTimeout == 0 {
		o.DialTimeout = perAttempt
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = perAttempt
	}
	o.Dialer = dialer(cfg, o.DialTimeout, o.TLSConfig, keepalive.Check)
	return o, nil
}

// goRedisTimeout is go-redis's default DialTimeout and ReadTimeout
// (v9.23: (*Options).init in options.go).
const goRedisTimeout = 5 * time.Second

// Package keepaliveredis dials go-redis connections with TCP keep-alive
// and a user timeout from a keepalive.Config, so that a command to a
// Redis server whose host died (GET, BLPOP, a pipeline being written)
// fails within the Config's bound (twice it, for a command go-redis
// retries) instead of hanging for as long as the kernel retries (about
// 15 minutes for unacknowledged data; go-redis's own dialer sets
// keep-alive but no user timeout).
//
// Configure is the one call to make: it sets the Dialer, and the retry
// and timeout fields left zero, so that go-redis's retries do not undo
// the bound. The kernel's error (ETIMEDOUT after the user timeout) is
// kept for keepalive.IsPeerGone. go-redis's pool check before it hands
// out an idle connection (without TLS) also asks keepalive.Check, so a
// connection whose probes go unanswered is dropped instead of written
// into. The names follow the modules' one vocabulary
// (docs/integrations.md#vocabulary); go-redis's code paths:
// docs/integrations.md#go-redis-pool, and the
// figures docs/measurements.md.
package keepaliveredis

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"reflect"
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
// instead of writing the next command into it. opts
// (keepalive.WithTracker) are applied to the dialer after the Config.
// Dialer leaves go-redis's retries as they are: Configure bounds them.
func Dialer(cfg keepalive.Config, dialTimeout time.Duration, tlsConfig *tls.Config, opts ...keepalive.DialOption) (func(ctx context.Context, network, addr string) (net.Conn, error), error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return dialer(cfg, dialTimeout, tlsConfig, keepalive.Check, opts), nil
}

// dialer is Dialer with go-redis's health check going through check
// first, or, with check nil, as go-redis has it.
func dialer(cfg keepalive.Config, dialTimeout time.Duration, tlsConfig *tls.Config, check func(net.Conn) error, opts []keepalive.DialOption) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := keepalive.NewDialer(append([]keepalive.DialOption{keepalive.WithKeepalive(cfg)}, opts...)...)
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

// Configure sets o.Dialer to dial with cfg (Dialer), opts
// (keepalive.WithTracker) applied after it. Call it after setting o's
// fields, or on the result of redis.ParseURL, which holds no keep-alive
// setting. It returns cfg's Validate error, or an error for a nil o, and
// changes nothing then.
//
// A Dialer o already has is kept: it dials, and cfg is Set on what it
// returns (a connection that cannot take it fails the dial); opts are
// then an error, since they need Configure's dialer.
//
// So that a command to a host that vanished fails within twice
// cfg.Timeout(), it sets the fields o leaves zero: MaxRetries to 1 (one
// retry, on a fresh connection) with no backoff (MinRetryBackoff -1, when
// MaxRetries was zero too), DialerRetries to 1 (the command's retry dials
// again), and DialTimeout and ReadTimeout, which WriteTimeout follows, to
// go-redis's 5s or cfg.Timeout(), whichever is shorter. Fields o sets are
// kept; what they bound a command to: docs/integrations.md#go-redis-retries.
func Configure(o *redis.Options, cfg keepalive.Config, opts ...keepalive.DialOption) error {
	if o == nil {
		return errors.New("keepaliveredis: nil *redis.Options")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	own := o.Dialer
	if own != nil && reflect.ValueOf(own).Pointer() == ownDialer {
		own = nil // Configure's, from an earlier call: replaced
	}
	if own != nil && len(opts) > 0 {
		return errors.New("keepaliveredis: the *redis.Options has a Dialer of its own, to which Configure cannot give dial options (such as keepalive.WithTracker): use them in that Dialer, or set it to nil for Configure's")
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
	if own != nil {
		o.Dialer = composed(own, cfg)
		return nil
	}
	o.Dialer = dialer(cfg, o.DialTimeout, o.TLSConfig, keepalive.Check, opts)
	return nil
}

// ownDialer is the code of the functions dialer returns, which a later
// Configure replaces rather than composes with.
var ownDialer = reflect.ValueOf(dialer(keepalive.Config{}, 0, nil, nil, nil)).Pointer()

// composed dials with own, then sets cfg on what it returns, keeping the
// kernel's error and answering the pool's check as dialer's connections
// do.
func composed(own func(ctx context.Context, network, addr string) (net.Conn, error), cfg keepalive.Config) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := own(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if err := keepalive.Set(c, cfg); err != nil {
			c.Close()
			return nil, err
		}
		return withCheck(stickyconn.Wrap(c), c, keepalive.Check), nil
	}
}

// goRedisTimeout is go-redis's default DialTimeout and ReadTimeout
// (v9.23: (*Options).init in options.go).
const goRedisTimeout = 5 * time.Second

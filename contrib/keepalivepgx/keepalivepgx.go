// Package keepalivepgx takes libpq's keep-alive settings from a
// PostgreSQL connection string — keepalives, keepalives_idle,
// keepalives_interval, keepalives_count, tcp_user_timeout — and gives
// them to pgx (github.com/jackc/pgx/v5) as a keepalive.Config on the
// connection's dialer, so that a query waiting on a server whose host
// died fails within the Config's bound. Each value is read as libpq
// reads it (ReadKeys); ConfigureOr takes a Config for connection strings
// without the keys, and SetConfig one given in code. CheckBeforeAcquire
// makes a pool check each connection with keepalive.Check instead of
// pinging it.
//
// pgx does not know those keys: it sends them to the server as runtime
// parameters, and PostgreSQL refuses the connection ("FATAL:
// unrecognized configuration parameter \"keepalives_interval\""). Its own
// dialer is Go's default (keep-alive 15s, 15s, 9 probes, no user
// timeout): a query whose request goes unacknowledged waits out the
// kernel's retransmissions, about 15 minutes.
//
// pgx (v5.12) loses the kernel's error when a connection times out: its
// background reader drops any error whose Timeout method says true, as
// ETIMEDOUT's does, and the next read returns io.ErrUnexpectedEOF. The
// connections dialed here keep the error, so that the query fails with
// it and keepalive.IsPeerGone recognises it.
package keepalivepgx

import (
	"context"
	"net"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/stickyconn"
)

// ParseConfig is pgx.ParseConfig with the connection string's
// keep-alive settings moved into the dialer (Configure).
func ParseConfig(connString string) (*pgx.ConnConfig, error) {
	cc, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	if err := Configure(&cc.Config); err != nil {
		return nil, err
	}
	return cc, nil
}

// ParsePoolConfig is pgxpool.ParseConfig with the connection string's
// keep-alive settings moved into the dialer of every connection the pool
// opens (Configure).
func ParsePoolConfig(connString string) (*pgxpool.Config, error) {
	pc, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	if err := Configure(&pc.ConnConfig.Config); err != nil {
		return nil, err
	}
	return pc, nil
}

// Configure removes libpq's keep-alive keys from c.RuntimeParams, where
// pgx's parser left them, and sets c.DialFunc to dial with what they say
// (ReadKeys):
//   - keepalives_idle, keepalives_interval and keepalives_count in
//     seconds or a count, tcp_user_timeout in milliseconds, each read on
//     its own as libpq reads it; a key left out, 0 or negative leaves the
//     system's value (for tcp_user_timeout: none);
//   - keepalives=0: keep-alive off, and the other keys are not read;
//     any other integer: on;
//   - none of the keys: c is left as it is, so pgx dials with Go's
//     defaults (ConfigureOr takes a Config for that case).
//
// A tcp_user_timeout that makes Linux ignore keepalives_count is
// accepted, as libpq accepts it; Keys.Coherent reports it. The dialer
// keeps c.ConnectTimeout, as pgx's own does. A bad value is a *KeyError
// naming the key and the limit, and c is left as it is.
func Configure(c *pgconn.Config) error {
	_, err := configure(c, nil)
	return err
}

// ConfigureOr is Configure with a Config for a connection string that
// has none of libpq's keep-alive keys: the connection string's keys if
// it has any, else fallback (as SetConfig sets it). given reports
// whether the keys were there. A bad value (as for Configure) or a
// fallback that fails Validate is an error, given is false and c is left
// as it is.
func ConfigureOr(c *pgconn.Config, fallback keepalive.Config) (given bool, err error) {
	return configure(c, &fallback)
}

// configure is ConfigureOr, leaving c as it is for no keys and no
// fallback.
func configure(c *pgconn.Config, fallback *keepalive.Config) (given bool, err error) {
	k, err := ReadKeys(c)
	if err != nil {
		return false, err
	}
	switch {
	case k.Off:
		c.DialFunc = dialFunc(&net.Dialer{KeepAlive: -1}, c.ConnectTimeout)
	case k.Given:
		c.DialFunc = dialFunc(keepalive.NewDialer(keepalive.WithKeepalive(k.Config)), c.ConnectTimeout)
	case fallback != nil:
		if err := fallback.Validate(); err != nil {
			return false, err
		}
		SetConfig(c, *fallback)
		return false, nil
	default:
		return false, nil
	}
	for _, key := range libpqKeys {
		delete(c.RuntimeParams, key)
	}
	return true, nil
}

// dialFunc dials with d, giving up after timeout (none if zero), and
// keeps the error that reported the peer gone (internal/stickyconn): pgx
// drops it otherwise, and returns io.ErrUnexpectedEOF in its place.
func dialFunc(d *net.Dialer, timeout time.Duration) pgconn.DialFunc {
	d.Timeout = timeout
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return stickyconn.Wrap(c), nil
	}
}

// SetConfig sets c.DialFunc to dial with cfg, keeping c.ConnectTimeout,
// for a Config given in code rather than in the connection string.
func SetConfig(c *pgconn.Config, cfg keepalive.Config) {
	c.DialFunc = dialFunc(keepalive.NewDialer(keepalive.WithKeepalive(cfg)), c.ConnectTimeout)
}

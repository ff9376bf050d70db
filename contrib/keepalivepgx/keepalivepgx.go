// Package keepalivepgx takes libpq's keep-alive settings from a
// PostgreSQL connection string — keepalives, keepalives_idle,
// keepalives_interval, keepalives_count, tcp_user_timeout — and gives
// them to pgx (github.com/jackc/pgx/v5) as a keepalive.Config on the
// connection's dialer, so that a query waiting on a server whose host
// died fails within the Config's bound.
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
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/stickyconn"
)

// libpqKeys are libpq's keep-alive settings, in the order the text form
// is built; keepalive.Config's text form takes them under these names.
var libpqKeys = []string{"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"}

// ParseConfig is pgx.ParseConfig with the connection string's keep-alive
// settings moved into the dialer (Configure).
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
// pgx's parser left them, and sets c.DialFunc to dial with what they say:
//   - keepalives_idle, keepalives_interval and keepalives_count in
//     seconds or a count, tcp_user_timeout in milliseconds, 0 for the
//     system's value, as libpq reads them (keepalive.Config's
//     UnmarshalText);
//   - keepalives=0: keep-alive off (and the other keys ignored);
//   - none of the keys: c is left as it is.
//
// The dialer keeps c.ConnectTimeout, as pgx's own does. A bad value is an
// error naming the key, and c is left as it is.
func Configure(c *pgconn.Config) error {
	var pairs []string
	off := false
	for _, k := range libpqKeys {
		v, ok := c.RuntimeParams[k]
		if !ok {
			continue
		}
		if k == "keepalives" && v == "0" {
			off = true
			continue
		}
		pairs = append(pairs, k+"="+v)
	}
	if len(pairs) == 0 && !off {
		return nil
	}
	var d *net.Dialer
	if off {
		d = &net.Dialer{KeepAlive: -1}
	} else {
		var cfg keepalive.Config
		if err := cfg.UnmarshalText([]byte(strings.Join(pairs, ","))); err != nil {
			return err
		}
		// Parsing is syntax only; the running system's limits are
		// Validate's.
		if err := cfg.Validate(); err != nil {
			return err
		}
		d = keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	}
	for _, k := range libpqKeys {
		delete(c.RuntimeParams, k)
	}
	c.DialFunc = dialFunc(d, c.ConnectTimeout)
	return nil
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

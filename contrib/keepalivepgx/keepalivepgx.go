// Package keepalivepgx gives pgx (github.com/jackc/pgx/v5) connections
// a keepalive.Config, so that a query waiting on a server whose host died
// fails within the Config's bound, and a pool hands out no connection the
// kernel already knows is dead. The one way to wire a pool:
//
//	pc, err := pgxpool.ParseConfig(connString)
//	_, err = keepalivepgx.ConfigureOr(&pc.ConnConfig.Config, keepalive.Within(10*time.Second))
//	keepalivepgx.CheckBeforeAcquire(pc)
//	pool, err := pgxpool.NewWithConfig(ctx, pc)
//
// ConfigureOr takes libpq's keep-alive keys from the connection string
// (keepalives, keepalives_idle, keepalives_interval, keepalives_count,
// tcp_user_timeout, read as libpq reads them) and, where it has none,
// the Config from code: the connection string wins. CheckBeforeAcquire
// makes the pool check each connection with keepalive.Check instead of
// pinging it. A single connection is wired the same way on
// pgx.ParseConfig's result. keepalive.Get(conn.PgConn().Conn()) reads
// what a connection got from the kernel.
//
// pgx does not know libpq's keys: it sends them to the server, which
// refuses the connection ("FATAL: unrecognized configuration parameter").
// Its own dialer is Go's default (keep-alive 15s, 15s, 9 probes, no user
// timeout): a query whose request goes unacknowledged waits out the
// kernel's retransmissions, about 15 minutes. pgx also loses the kernel's
// error when a connection times out; the connections dialed here keep
// it, so that keepalive.IsPeerGone recognises the query's error
// (docs/integrations.md#postgresql-pgx).
package keepalivepgx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/stickyconn"
)

// ParseConfig is pgx.ParseConfig with the connection string's
// keep-alive keys moved into the dialer (Configure).
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
// keep-alive keys moved into the dialer of every connection the pool
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
// has none of libpq's keep-alive keys: the connection string's keys win
// over fallback, also when Configure (or ParseConfig, ParsePoolConfig)
// already moved them into c's dialer. given reports whether the keys
// decide. A bad value (as for Configure) or a fallback that fails
// Validate is an error, given is false and c is left as it is.
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
	if fallback != nil {
		if err := fallback.Validate(); err != nil {
			return false, err
		}
	}
	switch {
	case k.Off:
		c.DialFunc = dialFunc(&net.Dialer{KeepAlive: -1}, c.ConnectTimeout)
	case k.Given:
		c.DialFunc = dialFunc(keepalive.NewDialer(keepalive.WithKeepalive(k.Config)), c.ConnectTimeout)
	case fromKeys(c):
		// Configure moved the keys into c's dialer already: they win.
		return true, nil
	case fallback != nil:
		c.DialFunc = dialFunc(keepalive.NewDialer(keepalive.WithKeepalive(*fallback)), c.ConnectTimeout)
		return false, nil
	default:
		return false, nil
	}
	for _, key := range libpqKeys {
		delete(c.RuntimeParams, key)
	}
	markFromKeys(c)
	return true, nil
}

// fromKeysSet holds the configs whose dialer configure set from libpq's
// keys, which it took out of RuntimeParams: weak pointers, so that a
// config is forgotten when it is collected.
var fromKeysSet sync.Map // weak.Pointer[pgconn.Config] → struct{}

func markFromKeys(c *pgconn.Config) {
	p := weak.Make(c)
	if _, loaded := fromKeysSet.LoadOrStore(p, struct{}{}); !loaded {
		runtime.AddCleanup(c, func(p weak.Pointer[pgconn.Config]) { fromKeysSet.Delete(p) }, p)
	}
}

func fromKeys(c *pgconn.Config) bool {
	_, ok := fromKeysSet.Load(weak.Make(c))
	return ok
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
// for a config whose connection string has none of libpq's keep-alive
// keys. An invalid cfg is its *keepalive.ConfigError. Keys in c, or keys
// Configure already took from it, are an error, as cfg would silently
// replace them (or pgx would send them to the server, which refuses
// them): ConfigureOr is for a Config that applies only without keys.
// On error c is left as it is.
func SetConfig(c *pgconn.Config, cfg keepalive.Config) error {
	if c == nil {
		return errors.New("keepalivepgx: nil *pgconn.Config")
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	for _, key := range libpqKeys {
		if v, ok := c.RuntimeParams[key]; ok {
			return fmt.Errorf("keepalivepgx: the connection string sets %s=%q, which SetConfig would override: use ConfigureOr, under which the connection string wins", key, v)
		}
	}
	if fromKeys(c) {
		return errors.New("keepalivepgx: the connection string's keep-alive keys are already in the dialer, which SetConfig would override: use ConfigureOr, under which the connection string wins")
	}
	c.DialFunc = dialFunc(keepalive.NewDialer(keepalive.WithKeepalive(cfg)), c.ConnectTimeout)
	return nil
}

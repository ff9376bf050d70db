// Package keepalivepgx gives pgx (github.com/jackc/pgx/v5) connections
// a keepalive.Config, so that a query waiting on a server whose host died
// fails within the Config's bound, and a pool hands out no connection the
// kernel already knows is dead. The one way to wire a pool:
//
//	pc, err := keepalivepgx.ParsePoolConfig(connString, keepalive.Within(10*time.Second))
//	keepalivepgx.CheckBeforeAcquire(pc)
//	pool, err := pgxpool.NewWithConfig(ctx, pc)
//
// The connection string wins: libpq's keep-alive keys in it
// (keepalives, keepalives_idle, keepalives_interval, keepalives_count,
// tcp_user_timeout, read as libpq reads them), else the Config from
// code. pgx itself does not know those keys and sends them to the server,
// which refuses the connection; its own dialer is Go's default (15s, 15s,
// 9 probes, no user timeout), and it loses the kernel's error when a
// connection times out, which the connections dialed here keep for
// keepalive.IsPeerGone. The names follow the modules' one vocabulary:
// docs/integrations.md#vocabulary; pgx's code paths:
// docs/integrations.md#postgresql-pgx.
package keepalivepgx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"reflect"
	"runtime"
	"sync"
	"time"
	"weak"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/libpqkeys"
	"github.com/tcpkeepalive/keepalive/internal/stickyconn"
)

// ParseConfig is pgx.ParseConfig followed by Configure(&cc.Config, cfg,
// opts...) with pgx's own DialFunc replaced by Configure's dialer: the
// connection string's keep-alive keys, else cfg.
func ParseConfig(connString string, cfg keepalive.Config, opts ...keepalive.DialOption) (*pgx.ConnConfig, error) {
	cc, err := pgx.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	cc.DialFunc = nil // pgx's own: Configure's dialer replaces it
	if err := Configure(&cc.Config, cfg, opts...); err != nil {
		return nil, err
	}
	return cc, nil
}

// ParsePoolConfig is pgxpool.ParseConfig followed by
// Configure(&pc.ConnConfig.Config, cfg, opts...), pgx's own DialFunc
// replaced as ParseConfig replaces it, for every connection the pool
// opens.
func ParsePoolConfig(connString string, cfg keepalive.Config, opts ...keepalive.DialOption) (*pgxpool.Config, error) {
	pc, err := pgxpool.ParseConfig(connString)
	if err != nil {
		return nil, err
	}
	pc.ConnConfig.DialFunc = nil // pgx's own: Configure's dialer replaces it
	if err := Configure(&pc.ConnConfig.Config, cfg, opts...); err != nil {
		return nil, err
	}
	return pc, nil
}

// Configure sets c.DialFunc to dial with what libpq's keep-alive keys in
// c.RuntimeParams say (ReadKeys), which it removes from there, or, if
// the connection string has none of them, with cfg: the connection
// string wins, also when an earlier Configure (or ParseConfig,
// ParsePoolConfig) already moved its keys into c's dialer. keepalives=0
// turns keep-alive off. opts (keepalive.WithTracker) are applied to the
// dialer after the Config. The dialer keeps c.ConnectTimeout, as pgx's
// own does.
//
// A DialFunc c already has is kept, pgx's own included (pgx.ParseConfig
// sets one; ParseConfig here replaces it): it dials, and the keys' or
// cfg's settings are then Set on what it returns (a connection that
// cannot take them fails the dial); opts are then an error, since they
// need Configure's dialer. Set c.DialFunc to nil first for that dialer,
// whose settings also bound the connect.
//
// A bad value is a *KeyError naming the key and the limit; an invalid
// cfg, used or not, is its *keepalive.ConfigError. On error c is left as
// it is.
func Configure(c *pgconn.Config, cfg keepalive.Config, opts ...keepalive.DialOption) error {
	if c == nil {
		return errNilConfig
	}
	k, err := ReadKeys(c)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	own := c.DialFunc
	if own != nil && reflect.ValueOf(own).Pointer() == ownDialFunc {
		own = nil // Configure's, from an earlier call: replaced
	}
	if own != nil && len(opts) > 0 {
		return errOwnDialOptions
	}
	s := libpqkeys.Settings{Config: cfg}
	switch {
	case k.Given:
		s = libpqkeys.Settings(k)
	case fromKeys(c):
		// An earlier Configure moved the keys into c's dialer: they win.
		return nil
	}
	if own != nil {
		c.DialFunc = composed(own, s)
	} else {
		c.DialFunc = dialFunc(s.Dialer(opts), c.ConnectTimeout)
	}
	if !k.Given {
		return nil
	}
	for _, key := range libpqKeys {
		delete(c.RuntimeParams, key)
	}
	markFromKeys(c)
	return nil
}

var errOwnDialOptions = errors.New("keepalivepgx: the *pgconn.Config has a DialFunc of its own, to which Configure cannot give dial options (such as keepalive.WithTracker): use them in that DialFunc, or set it to nil for Configure's")

// ownDialFunc is the code of the DialFuncs dialFunc returns, which a
// later Configure replaces rather than composes with.
var ownDialFunc = reflect.ValueOf(dialFunc(&net.Dialer{}, 0)).Pointer()

// composed dials with own, then applies s to what it returns, keeping the
// kernel's error as dialFunc's connections do.
func composed(own pgconn.DialFunc, s libpqkeys.Settings) pgconn.DialFunc {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := own(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if err := apply(c, s); err != nil {
			c.Close()
			return nil, err
		}
		return stickyconn.Wrap(c), nil
	}
}

// apply sets s on an established connection: keep-alive off for
// keepalives=0, else s.Config.
func apply(c net.Conn, s libpqkeys.Settings) error {
	if !s.Off {
		return keepalive.Set(c, s.Config)
	}
	for nc := c; nc != nil; {
		if tc, ok := nc.(interface{ SetKeepAlive(bool) error }); ok {
			return tc.SetKeepAlive(false)
		}
		u, ok := nc.(interface{ NetConn() net.Conn })
		if !ok {
			break
		}
		nc = u.NetConn()
	}
	return fmt.Errorf("keepalivepgx: keepalives=0, and the connection the DialFunc returned (%T) cannot turn keep-alive off", c)
}

// Dialer returns a pgconn.DialFunc, for pgconn.Config.DialFunc, that
// dials with cfg alone, gives up after connectTimeout (none if zero; pgx
// keeps it in pgconn.Config.ConnectTimeout) and keeps the kernel's error
// as Configure's does. opts (keepalive.WithTracker) are applied after
// the Config. An invalid cfg is its *keepalive.ConfigError. It is for a
// connection string without libpq's keep-alive keys, which pgx would send
// to the server: Configure is for one that may have them.
func Dialer(cfg keepalive.Config, connectTimeout time.Duration, opts ...keepalive.DialOption) (pgconn.DialFunc, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return dialFunc(libpqkeys.Settings{Config: cfg}.Dialer(opts), connectTimeout), nil
}

var errNilConfig = errors.New("keepalivepgx: nil *pgconn.Config")

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

// Package keepalivepq takes libpq's keep-alive settings from a PostgreSQL
// connection string — keepalives, keepalives_idle, keepalives_interval,
// keepalives_count, tcp_user_timeout — and gives them to lib/pq
// (github.com/lib/pq) as a keepalive.Config on the connections it dials,
// so that a database/sql query waiting on a server whose host died fails
// within the Config's bound instead of after the kernel's retransmissions
// (about 15 minutes; lib/pq#620). The one way to wire it, the pool check
// included:
//
//	c, err := keepalivepq.NewConnector(dsn, keepalive.Within(10*time.Second))
//	db := sql.OpenDB(keepalivepq.Checked(c))
//
// The connection string wins: when it has any of libpq's keep-alive
// keys, they alone decide, else the Config from code. lib/pq itself sends
// those keys to the server, which refuses them; NewConnector takes them
// out first. The names follow the modules' one vocabulary
// (docs/integrations.md#vocabulary); lib/pq's code paths and the figures:
// docs/integrations.md#databasesql-libpq-and-go-sql-drivermysql.
package keepalivepq

import (
	"context"
	"net"
	"time"

	"github.com/lib/pq"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/libpqkeys"
	"github.com/tcpkeepalive/keepalive/internal/sqlcheck"
)

// NewConnector returns a lib/pq connector for dsn, a URL
// (postgres://…?keepalives_idle=30) or key=value string, as pq.NewConnector
// reads it, whose connections are dialed with:
//   - the keep-alive settings of dsn's libpq keys, if it has any of them
//     (NewConnectorConfig says how they are read);
//   - else cfg. keepalive.Config{} is Go's default, which is what lib/pq
//     alone sets: a program whose connection strings carry the keys
//     passes it.
//
// The keys are removed before lib/pq sees them. opts
// (keepalive.WithTracker) are applied to the dialer after the Config. A
// bad value is a *KeyError naming the key and the limit; an invalid cfg,
// used or not, is its *keepalive.ConfigError. Either way no connector is
// returned.
func NewConnector(dsn string, cfg keepalive.Config, opts ...keepalive.DialOption) (*pq.Connector, error) {
	c, err := pq.NewConfig(dsn)
	if err != nil {
		return nil, err
	}
	return NewConnectorConfig(c, cfg, opts...)
}

// NewConnectorConfig is NewConnector for a pq.Config, as pq.NewConfig
// returns it (and the caller perhaps changed it): lib/pq leaves the keys
// it does not know, libpq's keep-alive keys among them, in c.Runtime.
// Each value is read on its own, as libpq reads it (pqParseIntParam),
// alike in keepalivepgx: a decimal integer within 32 bits, spaces around
// it allowed ("", "30s" and 2147483648 are errors); keepalives=0 turns
// keep-alive off and no other key is then read; for the others a key left
// out, 0 or negative is the system's value (keepalive.System; for
// tcp_user_timeout, none), as libpq documents 0. The rules, and how they
// are checked against libpq: docs/integrations.md#libpq-keys.
//
// The connection string wins: when any key is present the keys alone
// decide, as they would for libpq, and cfg counts only when none is. A
// value beyond what the running system takes (keepalives_count=500 on
// Linux) is a *KeyError, where libpq would fail each connection. A
// tcp_user_timeout that overrides keepalives_count is taken as libpq
// takes it (keepalive.Config's Coherent). c itself is not changed.
func NewConnectorConfig(c pq.Config, cfg keepalive.Config, opts ...keepalive.DialOption) (*pq.Connector, error) {
	s, err := effective(c, cfg)
	if err != nil {
		return nil, err
	}
	c = c.Clone()
	for _, k := range libpqKeys {
		delete(c.Runtime, k)
	}
	conn, err := pq.NewConnectorConfig(c)
	if err != nil {
		return nil, err
	}
	conn.Dialer(&Dialer{s.Dialer(opts)})
	return conn, nil
}

// Effective returns what NewConnector(dsn, cfg) puts on each TCP
// connection it dials, with the same errors: on is false for
// keepalives=0; else the Config, keepalive.System where the system's
// value applies and zero fields Go's defaults. The kernel's own reading
// of a connection is keepalive.Get's, where the net.Conn is at hand.
func Effective(dsn string, cfg keepalive.Config) (c keepalive.Config, on bool, err error) {
	pc, err := pq.NewConfig(dsn)
	if err != nil {
		return keepalive.Config{}, false, err
	}
	s, err := effective(pc, cfg)
	if err != nil || s.Off {
		return keepalive.Config{}, false, err
	}
	return s.Config, true, nil
}

// effective is what the keys in c say, else cfg.
func effective(c pq.Config, cfg keepalive.Config) (libpqkeys.Settings, error) {
	s, err := libpqkeys.Read(c.Runtime)
	if err != nil {
		return libpqkeys.Settings{}, err
	}
	if err := cfg.Validate(); err != nil {
		return libpqkeys.Settings{}, err
	}
	if !s.Given {
		s.Config = cfg
	}
	return s, nil
}

// NewDialer returns a dialer that puts cfg on every TCP connection it
// dials, for the lib/pq calls that take a pq.Dialer: pq.DialOpen,
// pq.NewDialListener (whose LISTEN connection idles for hours, the case
// keep-alive is for) and (*pq.Connector).Dialer. Those calls send the
// connection string's keys to the server: give them a string without
// libpq's keep-alive keys. opts (keepalive.WithTracker) are applied
// after the Config. An invalid cfg is its *keepalive.ConfigError.
func NewDialer(cfg keepalive.Config, opts ...keepalive.DialOption) (*Dialer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Dialer{libpqkeys.Settings{Config: cfg}.Dialer(opts)}, nil
}

// A Dialer dials lib/pq's connections with a keep-alive Config. It is a
// pq.Dialer and a pq.DialerContext; lib/pq uses DialContext, which
// honours the context's deadline (connect_timeout) and cancellation.
type Dialer struct{ d *net.Dialer }

// Dial dials address on network.
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialTimeout dials address on network, giving up after timeout.
func (d *Dialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

// DialContext dials address on network until ctx is done.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := d.d.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	sqlcheck.Dialed(ctx, c)
	if dialed != nil {
		dialed(c)
	}
	return c, nil
}

// dialed, if set (by tests), sees every connection a Dialer dialed.
var dialed func(net.Conn)

var (
	_ pq.Dialer        = (*Dialer)(nil)
	_ pq.DialerContext = (*Dialer)(nil)
)

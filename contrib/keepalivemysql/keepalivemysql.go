// Package keepalivemysql gives go-sql-driver/mysql
// (github.com/go-sql-driver/mysql) a keepalive.Config on the connections
// it dials, through the per-Config dial function mysql.Config.DialFunc,
// so that a database/sql query waiting on a server whose host died fails
// within the Config's bound instead of after the kernel's retransmissions
// (about 15 minutes). The driver's own dialer is Go's default: keep-alive
// 15s, 15s, 9 probes, no user timeout.
//
//	c, err := keepalivemysql.NewConnector(dsn, keepalive.Within(10*time.Second))
//	db := sql.OpenDB(c)
//
// The Config comes from code, or from the DSN's keepalive parameter
// (Configure says why one parameter, and how it is read);
// docs/integrations.md has the figures.
//
// When the kernel drops the connection, the driver (v1.10) logs the
// kernel's error (read tcp …: connection timed out) through
// mysql.Config.Logger and returns mysql.ErrInvalidConn in its place
// (packets.go, readPacket): keepalive.IsPeerGone cannot recognise that
// error, and the log line is the only trace of the cause.
package keepalivemysql

import (
	"context"
	"database/sql/driver"
	"fmt"
	"net"

	"github.com/go-sql-driver/mysql"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sqlcheck"
)

// Param is the DSN parameter that carries a keepalive.Config in its text
// form, keepalive.Config's UnmarshalText:
//
//	user@tcp(db:3306)/app?keepalive=idle=30s,interval=5s,count=3,user-timeout=45s
const Param = "keepalive"

// NewConnector returns a connector for dsn, as mysql.ParseDSN reads it,
// whose connections are dialed with the Config of dsn's keepalive
// parameter if it has one, else with cfg (Configure). Give it to
// sql.OpenDB.
func NewConnector(dsn string, cfg keepalive.Config) (driver.Connector, error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if err := Configure(c, cfg); err != nil {
		return nil, err
	}
	return mysql.NewConnector(c)
}

// Configure sets c.DialFunc to dial with, in order:
//   - the Config in c.Params[Param], the DSN's keepalive parameter, in
//     keepalive.Config's text form; the parameter is then removed;
//   - else cfg. keepalive.Config{} is Go's default, which is what the
//     driver alone sets.
//
// The driver sends every DSN parameter it does not know to the server as
// a system variable (SET keepalive = …, connection.go handleParams),
// so libpq-style keys such as tcp_keepalive_time cannot be taken: they
// are server variables of MariaDB, which a DSN may rightly set. The one
// parameter read here is no server variable of MySQL or MariaDB: left
// for the driver (mysql.ParseDSN and mysql.NewConnector without
// Configure) it fails every connection with a syntax error, never
// silently.
//
// The dial function honours the context the driver gives it, which the
// DSN's timeout bounds. A DialFunc c already has is kept: cfg is put on
// the connection it returns (keepalive.Set), and a connection that
// cannot take it (not TCP) fails the dial. A network the driver would
// look up in its RegisterDialContext registry (c.Net other than tcp,
// tcp4, tcp6 or unix) is an error: the registry is not reachable from
// here, and its dial function would be bypassed.
//
// A bad value is an error naming the parameter and, from the Config, the
// field and its limit (a *keepalive.ConfigError). c is changed only on
// success.
func Configure(c *mysql.Config, cfg keepalive.Config) error {
	if v, ok := c.Params[Param]; ok {
		if err := cfg.UnmarshalText([]byte(v)); err != nil {
			return fmt.Errorf("keepalivemysql: DSN parameter %s=%q: %w", Param, v, err)
		}
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("keepalivemysql: DSN parameter %s=%q: %w", Param, v, err)
		}
	} else if err := cfg.Validate(); err != nil {
		return err
	}
	switch c.Net {
	case "", "tcp", "tcp4", "tcp6", "unix":
	default:
		if c.DialFunc == nil {
			return fmt.Errorf("keepalivemysql: network %q is dialed through mysql.RegisterDialContext, which Configure cannot reach: give the Config a DialFunc instead", c.Net)
		}
	}
	dial := keepalive.NewDialer(keepalive.WithKeepalive(cfg)).DialContext
	if own := c.DialFunc; own != nil {
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := own(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if err := keepalive.Set(conn, cfg); err != nil {
				conn.Close()
				return nil, err
			}
			return conn, nil
		}
	}
	delete(c.Params, Param)
	c.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		sqlcheck.Dialed(ctx, conn)
		if dialed != nil {
			dialed(conn)
		}
		return conn, nil
	}
	return nil
}

// dialed, if set (by tests), sees every connection Configure's dial
// function dialed.
var dialed func(net.Conn)

// Package keepalivemysql gives go-sql-driver/mysql
// (github.com/go-sql-driver/mysql) a keepalive.Config on the connections
// it dials, so that a database/sql query waiting on a server whose host
// died fails within the Config's bound instead of after the kernel's
// retransmissions (about 15 minutes). The one way to wire it, the pool
// check included:
//
//	c, err := keepalivemysql.NewConnector(dsn, keepalive.Within(10*time.Second))
//	db := sql.OpenDB(keepalivemysql.Checked(c))
//
// The DSN wins: when it has the keepalive parameter, that alone decides,
// else the Config from code. The connections of NewConnector and
// NewConnectorConfig give back the kernel's error behind the driver's
// mysql.ErrInvalidConn, which keepalive.IsPeerGone recognises. The names
// follow the modules' one vocabulary (docs/integrations.md#vocabulary);
// the driver's code paths and the figures:
// docs/integrations.md#databasesql-libpq-and-go-sql-drivermysql.
package keepalivemysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"weak"

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
// parameter if it has one, else with cfg (Configure), and whose errors
// tell a peer gone (keepalive.IsPeerGone). opts (keepalive.WithTracker)
// are applied to the dialer after the Config. Give it to sql.OpenDB,
// through Checked.
func NewConnector(dsn string, cfg keepalive.Config, opts ...keepalive.DialOption) (driver.Connector, error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	return NewConnectorConfig(c, cfg, opts...)
}

// NewConnectorConfig is NewConnector for a mysql.Config, such as one with
// a Logger or TLS settings of the caller's: Configure, then
// mysql.NewConnector, with the errors of the connections classified as
// NewConnector's are (the driver connection sql.Conn.Raw hands out is
// then the module's wrapper). c is changed as Configure changes it.
func NewConnectorConfig(c *mysql.Config, cfg keepalive.Config, opts ...keepalive.DialOption) (driver.Connector, error) {
	if err := Configure(c, cfg, opts...); err != nil {
		return nil, err
	}
	dc, err := mysql.NewConnector(c)
	if err != nil {
		return nil, err
	}
	return connector{dc}, nil
}

// Effective returns the Config NewConnector(dsn, cfg) puts on each
// connection it dials, with the same errors: the keepalive parameter's,
// else cfg; zero fields are Go's defaults, keepalive.System the system's
// values. Keep-alive is always on: unlike libpq's keys (keepalivepq's
// Effective), a Config's text form has no off.
func Effective(dsn string, cfg keepalive.Config) (keepalive.Config, error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return keepalive.Config{}, err
	}
	return effective(c, cfg)
}

// effective is the Config in c's keepalive parameter, else cfg.
func effective(c *mysql.Config, cfg keepalive.Config) (keepalive.Config, error) {
	if err := cfg.Validate(); err != nil {
		return keepalive.Config{}, err
	}
	v, ok := c.Params[Param]
	if !ok {
		return cfg, nil
	}
	if strings.TrimSpace(v) == "" {
		return keepalive.Config{}, &paramError{v, errEmpty}
	}
	var fromDSN keepalive.Config
	if err := fromDSN.UnmarshalText([]byte(v)); err != nil {
		return keepalive.Config{}, &paramError{v, err}
	}
	if err := fromDSN.Validate(); err != nil {
		return keepalive.Config{}, &paramError{v, err}
	}
	return fromDSN, nil
}

// A paramError is a keepalive parameter that cannot be used: err, the
// text form's or Validate's error (which says "keepalive: " once, as an
// invalid cfg's does), then where the value came from.
type paramError struct {
	value string
	err   error
}

func (e *paramError) Error() string {
	return e.err.Error() + " (the DSN's " + Param + " parameter " + strconv.Quote(e.value) + ")"
}

func (e *paramError) Unwrap() error { return e.err }

var errEmpty = errors.New("keepalive: empty value: give idle=…,interval=…,count=…,user-timeout=…, or leave the parameter out for the Config from code")

// Configure sets c.DialFunc to dial with the Config in c's keepalive
// parameter (Param), in keepalive.Config's text form, which it removes
// from c.Params; else with cfg (keepalive.Config{} is Go's default, which
// is what the driver alone sets). The DSN wins. An empty or bad value, an
// invalid cfg (used or not) and a second Configure on the same c are
// errors naming the parameter or the field and the limit; c is changed
// only on success.
//
// The dial function honours the driver's context, which the DSN's timeout
// bounds; opts (keepalive.WithTracker) are applied to its dialer after
// the Config. A DialFunc c already has is kept, and cfg is Set on what it
// returns (a connection that cannot take it fails the dial; opts are then
// an error: they need Configure's dialer). A network the driver would
// look up in its RegisterDialContext registry is an error: the registry
// is out of reach. The errors of the connections tell a peer gone only
// through NewConnectorConfig. Why one parameter:
// docs/integrations.md#databasesql-libpq-and-go-sql-drivermysql.
func Configure(c *mysql.Config, cfg keepalive.Config, opts ...keepalive.DialOption) error {
	if c == nil {
		return errors.New("keepalivemysql: nil *mysql.Config")
	}
	if _, done := configured.Load(weak.Make(c)); done {
		// Its keepalive parameter is gone: a second Configure would put
		// cfg over the DSN's Config.
		return errors.New("keepalivemysql: Configure (or NewConnectorConfig) was already called on this *mysql.Config")
	}
	cfg, err := effective(c, cfg)
	if err != nil {
		return err
	}
	switch c.Net {
	case "", "tcp", "tcp4", "tcp6", "unix":
	default:
		if c.DialFunc == nil {
			return fmt.Errorf("keepalivemysql: network %q is dialed through mysql.RegisterDialContext, which Configure cannot reach: give the Config a DialFunc instead", c.Net)
		}
	}
	if c.DialFunc != nil && len(opts) > 0 {
		return errors.New("keepalivemysql: the *mysql.Config has a DialFunc of its own, to which Configure cannot give dial options (such as keepalive.WithTracker): use them in that DialFunc")
	}
	dial := keepalive.NewDialer(append([]keepalive.DialOption{keepalive.WithKeepalive(cfg)}, opts...)...).DialContext
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
		wrapped, r := record(conn)
		noteRecorder(ctx, r)
		return wrapped, nil
	}
	p := weak.Make(c)
	configured.Store(p, struct{}{})
	runtime.AddCleanup(c, func(p weak.Pointer[mysql.Config]) { configured.Delete(p) }, p)
	return nil
}

// configured holds the configs Configure set up, as weak pointers, so
// that a config is forgotten when it is collected.
var configured sync.Map // weak.Pointer[mysql.Config] → struct{}

// dialed, if set (by tests), sees every connection Configure's dial
// function dialed.
var dialed func(net.Conn)

// Package sqlcheck makes database/sql close a pooled connection whose TCP
// connection a health check rejects, instead of handing it to the next
// query, for the integration modules of drivers that dial through a
// function the module gives them (lib/pq, go-sql-driver/mysql).
//
// database/sql asks a driver's connection two things, and nothing else,
// about its health: driver.SessionResetter's ResetSession before it
// reuses a pooled connection, and driver.Validator's IsValid when the
// connection comes back to the pool. An error (driver.ErrBadConn) or
// false closes the connection, and the query goes on with another (up to
// twice from the pool, then a new one: database/sql's retry). Connector
// wraps each connection so that both run the check on the net.Conn the
// driver dialed for it, before the driver's own. A connection the check
// only suspects (keepalive.ErrUnanswered) is confirmed on checkout with
// the driver's Ping, the cheapest round trip database/sql knows, and
// closed only if that fails.
//
// It is for this repository's integration modules, not API.
package sqlcheck

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"sync"
	"time"

	"github.com/tcpkeepalive/keepalive/internal/suspect"
)

type slotKey struct{}

// A slot receives the net.Conn dialed for one Connect.
type slot struct {
	mu   sync.Mutex
	conn net.Conn
}

// Dialed records conn, if it is TCP, as the connection dialed for the
// Connect whose context ctx is, or derives from; a module's dial function
// calls it with the context the driver gave it. Outside such a Connect
// it does nothing. A driver that dials more than once in a Connect (lib/pq trying
// several hosts) ends with the last.
func Dialed(ctx context.Context, conn net.Conn) {
	if _, tcp := conn.LocalAddr().(*net.TCPAddr); !tcp {
		return // a Unix socket: nothing for a TCP health check to see
	}
	if s, ok := ctx.Value(slotKey{}).(*slot); ok {
		s.mu.Lock()
		s.conn = conn
		s.mu.Unlock()
	}
}

// Connector returns c with each connection checked by check, on the
// net.Conn its dial function reported through Dialed, before
// database/sql reuses it and when it comes back to the pool: an error
// makes database/sql close it, except errors.ErrUnsupported (a system
// that cannot check) and keepalive.ErrUnanswered (a suspect, pinged on
// checkout, closed if the ping fails). A connection whose net.Conn was
// not reported is not checked. The connections keep the driver's
// interfaces that database/sql uses (see conn); driver-specific methods
// reached through sql.Conn.Raw are behind the wrapper.
func Connector(c driver.Connector, check func(net.Conn) error) driver.Connector {
	return &connector{c, check}
}

type connector struct {
	inner driver.Connector
	check func(net.Conn) error
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	s := &slot{}
	dc, err := c.inner.Connect(context.WithValue(ctx, slotKey{}, s))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return &conn{Conn: dc, net: s.conn, check: c.check}, nil
}

func (c *connector) Driver() driver.Driver { return c.inner.Driver() }

// conn is a driver's connection with the check added to ResetSession and
// IsValid. It forwards every optional interface database/sql looks for
// on a connection; where the driver lacks one it answers as database/sql
// would without it (driver.ErrSkip, or the plain method).
type conn struct {
	driver.Conn
	net   net.Conn
	check func(net.Conn) error
}

var errNonDefaultTx = errors.New("sql: driver does not support non-default isolation level or read-only transactions")

// admit decides whether database/sql may use the connection, and why:
// the whole decision, in one place. check's verdict (suspect.Of) decides,
// except for a suspect: on checkout (confirm) it is pinged with the
// driver's Ping under a deadline of suspect.Patience, set on the
// connection itself since a driver may not stop a Ping at its context's
// deadline (lib/pq then dials the server to cancel, and waits), and kept
// only if the ping succeeds; when it comes back to the pool (no confirm)
// it is kept, to be confirmed at its next checkout. A connection with
// nothing to check, or a system that cannot check, is kept.
func (c *conn) admit(ctx context.Context, confirm bool) (keep bool, cause suspect.Verdict) {
	if c.net == nil {
		return true, suspect.Unknown
	}
	err := c.check(c.net)
	v := suspect.Of(err)
	switch v {
	case suspect.Gone:
		suspect.Report(c.net, false, v, err)
		return false, v
	case suspect.Suspect:
		p, ok := c.Conn.(driver.Pinger)
		if !confirm || !ok {
			return true, v // not confirmed: reported when it is
		}
		if derr := c.net.SetDeadline(time.Now().Add(suspect.Patience(c.net))); derr != nil {
			suspect.Report(c.net, false, v, suspect.Unconfirmed(err, derr))
			return false, v
		}
		if perr := p.Ping(ctx); perr != nil {
			suspect.Report(c.net, false, v, suspect.Unconfirmed(err, perr))
			return false, v // unconfirmed
		}
		keep = c.net.SetDeadline(time.Time{}) == nil // confirmed
		suspect.Report(c.net, keep, v, err)
		return keep, v
	}
	if confirm {
		// A healthy conn counts as checked at checkout, not again on its
		// return to the pool.
		suspect.Report(c.net, true, v, nil)
	}
	return true, v
}

func (c *conn) ResetSession(ctx context.Context) error {
	if keep, _ := c.admit(ctx, true); !keep {
		return driver.ErrBadConn
	}
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *conn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok && !v.IsValid() {
		return false
	}
	keep, _ := c.admit(context.Background(), false)
	return keep
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	if opts.Isolation != 0 || opts.ReadOnly {
		return nil, errNonDefaultTx
	}
	//lint:ignore SA1019 the driver has nothing newer
	return c.Conn.Begin()
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := c.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := c.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *conn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	if n, ok := c.Conn.(driver.NamedValueChecker); ok {
		return n.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

var (
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
)

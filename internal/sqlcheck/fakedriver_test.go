package sqlcheck_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
	"github.com/tcpkeepalive/keepalive/internal/sqlcheck"
)

// fakeDriver dials a loopback listener for each connection, as a real
// driver's dial function would, and reports the connection through
// sqlcheck.Dialed.
type fakeDriver struct {
	addr    string
	tracker *keepalive.Tracker // tracks each connection, if set
	mu      sync.Mutex
	conns   []net.Conn // every connection dialed, in order
}

func (d *fakeDriver) Connect(ctx context.Context) (driver.Conn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp", d.addr)
	if err != nil {
		return nil, err
	}
	sqlcheck.Dialed(ctx, c)
	if d.tracker != nil {
		if err := d.tracker.Track(c); err != nil {
			c.Close()
			return nil, err
		}
	}
	d.mu.Lock()
	d.conns = append(d.conns, c)
	d.mu.Unlock()
	return &fakeConn{c}, nil
}

func (d *fakeDriver) Driver() driver.Driver { return nil }

func (d *fakeDriver) dialed() []net.Conn {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]net.Conn(nil), d.conns...)
}

type fakeConn struct{ c net.Conn }

func (c *fakeConn) Prepare(string) (driver.Stmt, error) { return nil, errors.New("no statements") }
func (c *fakeConn) Close() error                        { return c.c.Close() }
func (c *fakeConn) Begin() (driver.Tx, error)           { return nil, errors.New("no transactions") }
func (c *fakeConn) ExecContext(context.Context, string, []driver.NamedValue) (driver.Result, error) {
	return driver.RowsAffected(0), nil
}

// Ping is the driver's round trip: a byte out, a byte back.
func (c *fakeConn) Ping(context.Context) error {
	if _, err := c.c.Write([]byte{'p'}); err != nil {
		return err
	}
	_, err := c.c.Read(make([]byte, 1))
	return err
}

// echo serves connections that answer each byte with one, or, if mute,
// never answer.
func echo(t *testing.T, mute bool) string {
	t.Helper()
	return sockettest.Serve(t, func(c net.Conn) {
		buf := make([]byte, 1)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
			if !mute {
				c.Write(buf)
			}
		}
	})
}

// listen serves connections that are never answered, left open until
// the test ends.
func listen(t *testing.T) string {
	t.Helper()
	return sockettest.Serve(t, func(c net.Conn) { io.Copy(io.Discard, c) })
}

// closed reports whether c was closed (by database/sql, through the
// driver's Close).
func closed(c net.Conn) bool {
	_, err := c.Write([]byte{0})
	return errors.Is(err, net.ErrClosed)
}

package keepalivemysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"net"
	"sync"
	"syscall"

	"github.com/go-sql-driver/mysql"

	"github.com/tcpkeepalive/keepalive"
)

// The driver returns mysql.ErrInvalidConn (or driver.ErrBadConn) in place
// of the socket's error when a read or a write fails, and only logs the
// socket's error (v1.11, packets.go readPacket and writePacket).
// NewConnectorConfig's connections give it back: each socket remembers
// the first error that reported its peer gone (recorder), and each
// driver call whose error is the driver's stand-in returns a peerGone
// error that wraps both, so that errors.Is(err, mysql.ErrInvalidConn)
// and keepalive.IsPeerGone(err) are both true and database/sql still
// retries on driver.ErrBadConn.

// recorder is a connection's socket that remembers the first error of a
// Read or a Write that keepalive.IsPeerGone recognises.
type recorder struct {
	net.Conn
	mu   sync.Mutex
	gone error
}

func (r *recorder) Read(b []byte) (int, error) {
	n, err := r.Conn.Read(b)
	r.note(err)
	return n, err
}

func (r *recorder) Write(b []byte) (int, error) {
	n, err := r.Conn.Write(b)
	r.note(err)
	return n, err
}

func (r *recorder) note(err error) {
	if err == nil || !keepalive.IsPeerGone(err) {
		return
	}
	r.mu.Lock()
	first := r.gone == nil
	if first {
		r.gone = err
	}
	r.mu.Unlock()
	if first {
		keepalive.ReportError(r.Conn, err) // a Tracker's count, if tracked
	}
}

// NetConn returns the socket, for keepalive.Get and keepalive.Check.
func (r *recorder) NetConn() net.Conn { return r.Conn }

// rawRecorder keeps the socket a syscall.Conn, which the driver's own
// liveness check (conncheck.go) needs.
type rawRecorder struct{ *recorder }

func (r rawRecorder) SyscallConn() (syscall.RawConn, error) {
	return r.Conn.(syscall.Conn).SyscallConn()
}

// record returns c wrapped in a recorder, and the recorder.
func record(c net.Conn) (net.Conn, *recorder) {
	r := &recorder{Conn: c}
	if _, ok := c.(syscall.Conn); ok {
		return rawRecorder{r}, r
	}
	return r, r
}

// classify returns err, or, if err is the driver's stand-in for a socket
// error and r saw the peer gone, a peerGone error wrapping both.
func (r *recorder) classify(err error) error {
	if err == nil || r == nil || keepalive.IsPeerGone(err) {
		return err
	}
	if !errors.Is(err, mysql.ErrInvalidConn) && !errors.Is(err, driver.ErrBadConn) {
		return err
	}
	r.mu.Lock()
	gone := r.gone
	r.mu.Unlock()
	if gone == nil {
		return err
	}
	return &peerGone{err: err, cause: gone}
}

// peerGone is the driver's error, with the socket's error behind it.
type peerGone struct{ err, cause error }

func (e *peerGone) Error() string   { return e.err.Error() + ": " + e.cause.Error() }
func (e *peerGone) Unwrap() []error { return []error{e.err, e.cause} }

// slotKey is the context key under which connector.Connect waits for the
// recorder its dial function makes.
type slotKey struct{}

type slot struct{ r *recorder }

// noteRecorder hands r to the Connect whose context ctx derives from.
func noteRecorder(ctx context.Context, r *recorder) {
	if s, ok := ctx.Value(slotKey{}).(*slot); ok {
		s.r = r
	}
}

// connector gives each connection's errors their cause.
type connector struct{ driver.Connector }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	s := &slot{}
	dc, err := c.Connector.Connect(context.WithValue(ctx, slotKey{}, s))
	if err != nil {
		return nil, s.r.classify(err)
	}
	if s.r == nil {
		return dc, nil
	}
	return &conn{Conn: dc, r: s.r}, nil
}

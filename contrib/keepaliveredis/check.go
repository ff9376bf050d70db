package keepaliveredis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tcpkeepalive/keepalive/internal/suspect"
)

// go-redis (v9.23) checks an idle connection before its pool hands it out
// ((*ConnPool).Get calls isHealthyConn, which calls connCheck:
// internal/pool/pool.go and internal/pool/conn_check.go). connCheck
// clears the connection's deadline (SetDeadline with the zero time, the
// only SetDeadline call in go-redis), and if the connection is a
// syscall.Conn peeks one byte through its RawConn's Read (recvfrom with
// MSG_PEEK and MSG_DONTWAIT): io.EOF (the peer's FIN), unexpected data or
// a socket error (the kernel's ETIMEDOUT or ECONNRESET) make the pool
// close the connection and take another or dial. A peer whose host
// vanished is none of these until the kernel gives up: while its
// keep-alive probes go unanswered the peek gets EAGAIN, as on a healthy
// idle connection. The pool offers no other place for a check of one's
// own: its PoolHook interface (internal/pool/hooks.go) names internal
// types, and redis.Hook's ProcessHook never sees the connection.
//
// So the Dialer's connections answer go-redis's check through
// keepalive.Check first: their SyscallConn returns a RawConn whose Read
// decides (admit) before it peeks. A connection whose peer is gone gets
// Check's error, and the pool drops it. A suspect (probes unanswered,
// keepalive.ErrUnanswered: on a lossy path most are live) is confirmed
// when the pool checks it, known by the cleared deadline just before:
// a PING written on the connection, whose +PONG must come back within
// suspect.Patience, the connection's own few RTOs; no answer, and the
// pool drops it (a push message that arrives before the +PONG, with
// RESP3 server-assisted caching, drops it too: a needless discard, rare
// on a suspect). go-redis's client-side cache drainer reads through the
// same RawConn (checkForData) while commands may be written on the
// connection, so there a suspect is kept, never pinged. Only Read is
// changed; Control, which keepalive.Get and Set use, is the socket's
// own. Over TLS go-redis checks nothing (connCheck returns nil for a
// *tls.Conn, which is no syscall.Conn, so as not to read TLS records),
// and neither does this.

// checked is a connection whose RawConn's Read asks check about socket
// first: the *net.TCPConn under the Conn, so that keepalive.Check knows
// it for TCP by its type and makes no system call to find out.
type checked struct {
	net.Conn
	socket net.Conn
	check  func(net.Conn) error
	// poolCheck is set when go-redis's pool check clears the deadline,
	// and taken by the Read that follows.
	poolCheck atomic.Bool
}

// withCheck returns c, a syscall.Conn whose socket is socket, with
// go-redis's health check going through check first; a c that is no
// syscall.Conn is returned as it is.
func withCheck(c, socket net.Conn, check func(net.Conn) error) net.Conn {
	if _, ok := c.(syscall.Conn); !ok {
		return c
	}
	return &checked{Conn: c, socket: socket, check: check}
}

// SetDeadline sets the connection's deadline; the zero time, as
// go-redis's pool check sets it, also marks the Read that follows as the
// pool's.
func (c *checked) SetDeadline(t time.Time) error {
	if t.IsZero() {
		c.poolCheck.Store(true)
	}
	return c.Conn.SetDeadline(t)
}

// SyscallConn returns the socket's RawConn, with Read checking first.
func (c *checked) SyscallConn() (syscall.RawConn, error) {
	rc, err := c.Conn.(syscall.Conn).SyscallConn()
	if err != nil {
		return nil, err
	}
	return checkedRawConn{RawConn: rc, c: c}, nil
}

// NetConn returns the connection under c.
func (c *checked) NetConn() net.Conn { return c.Conn }

// errNoPong is admit's error for a suspect whose PING was not answered
// with PONG.
var errNoPong = errors.New("keepaliveredis: suspect connection: no PONG")

var ping, pong = []byte("PING\r\n"), []byte("+PONG\r\n")

// admit decides whether go-redis may use the connection, and why: the
// whole decision, in one place. It returns a nil error to keep it, or
// the error that makes go-redis drop it. A suspect is pinged only when confirm (the
// pool's check, the connection idle and held by the pool alone).
func (c *checked) admit(confirm bool) (cause suspect.Verdict, err error) {
	err = c.check(c.socket)
	v := suspect.Of(err)
	switch v {
	case suspect.Gone:
		if confirm {
			// The drainer's read is no pool check; Check itself
			// counted the close.
			suspect.Report(c.socket, false, v, err)
		}
		return v, err
	case suspect.Suspect:
		if !confirm {
			return v, nil // not confirmed: reported when it is
		}
		if perr := c.confirm(); perr != nil {
			suspect.Report(c.socket, false, v, suspect.Unconfirmed(err, perr))
			return v, fmt.Errorf("%w (%w)", errNoPong, perr)
		}
		suspect.Report(c.socket, true, v, nil)
		return v, nil
	}
	if confirm {
		// Counted at the pool's check, not at each read of the
		// client-side cache drainer.
		suspect.Report(c.socket, true, v, nil)
	}
	return v, nil
}

// confirm writes a PING and reads its +PONG, within suspect.Patience.
func (c *checked) confirm() error {
	if err := c.Conn.SetDeadline(time.Now().Add(suspect.Patience(c.socket))); err != nil {
		return err
	}
	if _, err := c.Conn.Write(ping); err != nil {
		return err
	}
	got := make([]byte, len(pong))
	if _, err := io.ReadFull(c.Conn, got); err != nil {
		return err
	}
	if !bytes.Equal(got, pong) {
		return fmt.Errorf("answered %q", got)
	}
	return c.Conn.SetDeadline(time.Time{})
}

type checkedRawConn struct {
	syscall.RawConn
	c *checked
}

// Read returns admit's error, if any, before it calls f.
func (rc checkedRawConn) Read(f func(fd uintptr) (done bool)) error {
	if _, err := rc.c.admit(rc.c.poolCheck.Swap(false)); err != nil {
		return err
	}
	return rc.RawConn.Read(f)
}

package keepaliveredis

import (
	"net"
	"syscall"
)

// go-redis (v9.23) checks an idle connection before its pool hands it out
// ((*ConnPool).Get calls isHealthyConn, which calls connCheck:
// internal/pool/pool.go and internal/pool/conn_check.go). connCheck takes
// the connection the Dialer returned, and if it is a syscall.Conn peeks
// one byte through its RawConn's Read (recvfrom with MSG_PEEK and
// MSG_DONTWAIT): io.EOF (the peer's FIN), unexpected data or a socket
// error (the kernel's ETIMEDOUT or ECONNRESET) make the pool close the
// connection and take another or dial. A peer whose host vanished is
// none of these until the kernel gives up: while its keep-alive probes
// go unanswered the peek gets EAGAIN, as on a healthy idle connection,
// and the next command is written into a connection that cannot answer.
// The pool offers no other place for a check of one's own: its
// PoolHook interface (internal/pool/hooks.go) names internal types, and
// redis.Hook's ProcessHook never sees the connection.
//
// So the Dialer's connections answer go-redis's check through
// keepalive.Check first: their SyscallConn returns a RawConn whose Read
// returns Check's error, when it has one, before it peeks. The pool then
// drops a connection whose probes are unanswered (keepalive.ErrUnanswered)
// as it drops a reset one. Only Read is changed; Control, which
// keepalive.Get and Set use, is the socket's own. go-redis's client-side
// cache drainer reads through the same RawConn (checkForData), and drops
// such a connection too. Over TLS go-redis checks nothing (connCheck
// returns nil for a *tls.Conn, which is no syscall.Conn, so as not to read
// TLS records), and neither does this.

// checked is a connection whose RawConn's Read asks check about socket
// first: the *net.TCPConn under the Conn, so that keepalive.Check knows
// it for TCP by its type and makes no system call to find out.
type checked struct {
	net.Conn
	socket net.Conn
	check  func(net.Conn) error
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

type checkedRawConn struct {
	syscall.RawConn
	c *checked
}

// Read returns the check's error, if any, before it calls f.
func (rc checkedRawConn) Read(f func(fd uintptr) (done bool)) error {
	if err := rc.c.check(rc.c.socket); err != nil {
		return err
	}
	return rc.RawConn.Read(f)
}

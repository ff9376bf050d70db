// Package stickyconn keeps the error with which the kernel reported a
// connection's peer gone, for client libraries that lose it: go-redis
// (v9.23, RESP3) peeks for push notifications before it reads a reply,
// logs the error the peek gets and reads again; pgx (v5.13) reads in the
// background while it writes, and drops any error whose Timeout method
// says true — ETIMEDOUT's does — before reading again. The second read
// finds the socket closed and returns io.EOF (pgx: io.ErrUnexpectedEOF),
// and keepalive.IsPeerGone cannot recognise that. A connection wrapped
// here returns the first error again from every later Read.
//
// A peer-gone error is final on the paths the integration modules dial:
// neither Go's net (Go 1.26: nothing in src/net sets IP_RECVERR) nor
// these modules, pgx or go-redis set IP_RECVERR, and without it Linux
// keeps an ICMP error on an established TCP connection as sk_err_soft,
// which is only reported when the connection is dropped anyway
// (tcp_v4_err and tcp_v6_err in net/ipv4/tcp_ipv4.c and
// net/ipv6/tcp_ipv6.c; tcp_write_err). With IP_RECVERR, set by a hook
// of someone else's, the kernel hands a transient ICMP error (host
// unreachable, say) to Read on a connection that survives it: so on
// Linux an error sticks only once the socket is no longer established
// (TCP_INFO), and TestIntegrationStickyTransientICMP reads both cases
// through a router that answers with ICMP.
//
// It is for this repository's integration modules, not API.
package stickyconn

import (
	"net"
	"sync"
	"syscall"

	"github.com/tcpkeepalive/keepalive"
)

// Wrap returns c with every Read after one that failed with an error
// keepalive.IsPeerGone recognises failing with that error again. The
// result is a syscall.Conn (for health checks and keepalive.Get) when c
// is, and its NetConn method returns c.
func Wrap(c net.Conn) net.Conn {
	if _, ok := c.(syscall.Conn); ok {
		return &rawConn{conn{Conn: c}}
	}
	return &conn{Conn: c}
}

type conn struct {
	net.Conn
	mu   sync.Mutex
	gone error
}

func (c *conn) Read(b []byte) (int, error) {
	c.mu.Lock()
	gone := c.gone
	c.mu.Unlock()
	if gone != nil {
		return 0, gone
	}
	n, err := c.Conn.Read(b)
	if err != nil && keepalive.IsPeerGone(err) && !established(c.Conn) {
		c.mu.Lock()
		first := c.gone == nil
		c.gone = err
		c.mu.Unlock()
		if first {
			keepalive.ReportError(c.Conn, err) // a Tracker's count, if tracked
		}
	}
	return n, err
}

// NetConn returns the wrapped connection.
func (c *conn) NetConn() net.Conn { return c.Conn }

type rawConn struct{ conn }

func (c *rawConn) SyscallConn() (syscall.RawConn, error) {
	return c.Conn.(syscall.Conn).SyscallConn()
}

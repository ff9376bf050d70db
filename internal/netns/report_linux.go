package netns

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tcpkeepalive/keepalive"
)

// A Failure is one failed call, as an End saw it.
type Failure struct {
	Op       string        // "read", "write" or "dial"
	Err      string        // the error's text
	Errno    string        // the syscall.Errno's name, if any ("ETIMEDOUT"), or "EOF"
	Elapsed  time.Duration // since the greeting completed (since the dial began for "dial")
	OpError  bool          // the error is a *net.OpError
	PeerGone bool          // keepalive.IsPeerGone(the error)
}

// Result is what an End reports.
type Result struct {
	Failures []Failure // in the order they failed

	// What the connection was, read after the greeting: Protocol is the
	// socket's SO_PROTOCOL, read by the End itself (6 TCP, 262
	// Multipath TCP); State is keepalive.Get's text and Timeout its
	// State.Timeout(), the bound the library claims for the socket.
	Protocol int
	State    string
	Timeout  time.Duration

	// Reported is what a WrapListener's OnError was told about the
	// accepted connection (HowWrap only).
	Reported []string
}

// rawConn finds the socket behind conn, through NetConn wrappers.
func rawConn(conn net.Conn) (syscall.RawConn, error) {
	inner := conn
	for {
		u, ok := inner.(interface{ NetConn() net.Conn })
		if _, isSC := inner.(syscall.Conn); isSC || !ok {
			break
		}
		inner = u.NetConn()
	}
	sc, ok := inner.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("%T is not a syscall.Conn", conn)
	}
	return sc.SyscallConn()
}

// failed describes the failure of a call op, elapsed after it began.
func failed(op string, err error, elapsed time.Duration) Failure {
	var opErr *net.OpError
	return Failure{
		Op: op, Err: err.Error(), Errno: errnoName(err), Elapsed: elapsed,
		OpError: errors.As(err, &opErr), PeerGone: keepalive.IsPeerGone(err),
	}
}

// describe reads what conn is: its protocol from the kernel, and what
// the library says of it.
func describe(conn net.Conn) (Result, error) {
	var res Result
	rc, err := rawConn(conn)
	if err != nil {
		return res, err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		res.Protocol, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL)
	}); err != nil {
		return res, err
	}
	if serr != nil {
		return res, os.NewSyscallError("getsockopt", serr)
	}
	st, err := keepalive.Get(conn)
	if err != nil {
		return res, err
	}
	res.State = st.String()
	res.Timeout = st.Timeout()
	return res, nil
}

// printResult prints a Role's result line: "result", then v in JSON.
func printResult(v any) error {
	out, err := json.Marshal(v)
	if err != nil {
		return err
	}
	fmt.Printf("result %s\n", out)
	return nil
}

// ParseResult reads the text after "result".
func ParseResult(s string) (Result, error) { return parse[Result](s) }

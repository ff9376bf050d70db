package keepalive

import (
	"net"
	"sync"
)

// ErrUnanswered is the error Check wraps for a suspect: a keep-alive
// probe or a retransmission has gone unanswered for longer than the
// kernel's retransmission timeout (RTO), so the peer may be dead, but the
// kernel has not declared it gone. IsPeerGone is false for it.
var ErrUnanswered error = sentinel("peer unanswered")

// Check reports, without sending or reading anything and without
// blocking, whether the kernel still believes in conn's peer. It is
// meant for every checkout from a connection pool.
//
// It returns nil for a live connection (unread data stays unread); an
// error wrapping ErrUnanswered for a suspect; one for which IsPeerGone
// is true once the kernel has declared the peer gone (Check takes the
// socket's pending error: decide on it); and one wrapping io.EOF once
// either side has closed (FIN), when the connection can carry no new
// request. A nil, closed or non-TCP conn gives an error as in Get.
// Errors are *net.OpError values.
//
// On Linux it reads TCP_INFO, and judges a Multipath TCP connection by a
// live subflow and by the connection's own end of stream. Darwin, FreeBSD and Windows count no probes: never
// ErrUnanswered. Other systems report a dropped connection once, from
// SO_ERROR, then nil; plan9, js and wasip1 return errors.ErrUnsupported.
// docs/behaviour.md gives the rule and its limits.
func Check(conn net.Conn) error {
	h, err := inspect(conn, false)
	if err == nil {
		err = h.verdict()
	}
	if err != nil {
		return opError("check", conn, err)
	}
	return nil
}

// Inspect reads what the kernel knows of conn's peer: the readings
// behind Check, and the keep-alive settings read back as Get does. It
// sends and reads nothing. Like Check, it takes the socket's pending
// error when the connection is closed (Health.Err). Errors are
// *net.OpError values, for the same conns as Get.
func Inspect(conn net.Conn) (Health, error) {
	h, err := inspect(conn, true)
	if err != nil {
		return Health{}, opError("inspect", conn, err)
	}
	return h, nil
}

// verdict is Check's judgement of h.
func (h Health) verdict() error {
	switch {
	case h.Err != nil:
		return &goneError{h.Err}
	case h.State.finReceived():
		return errPeerClosed
	case h.State == TCPFinWait1 || h.State == TCPFinWait2:
		return errClosedWrite
	case h.State == TCPClosed:
		return errClosed
	case h.noSubflow:
		return errNoSubflow
	case h.Unanswered():
		return &unansweredError{h}
	}
	return nil
}

// A checkOp carries one Check or Inspect into RawConn.Control; its
// closure is made once per pooled checkOp, so that Check allocates
// nothing beyond SyscallConn and the kernel's reading.
type checkOp struct {
	h       Health
	generic bool
	full    bool
	tcp     *net.TCPConn // nil for a generic syscall.Conn
	err     error
	fn      func(fd uintptr)
}

var checkOps = sync.Pool{New: func() any {
	o := new(checkOp)
	o.fn = func(fd uintptr) {
		if o.err = inspectFD(fd, o.generic, o.full, &o.h); o.err == nil {
			o.err = multipathClose(fd, o.tcp, o.generic, &o.h)
		}
	}
	return o
}}

// inspect reads conn's Health; full asks for the settings even when
// nothing is unanswered.
func inspect(conn net.Conn, full bool) (Health, error) {
	sc, generic, err := syscallConn(conn)
	if err != nil {
		return Health{}, err
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return Health{}, err
	}
	o := checkOps.Get().(*checkOp)
	o.h, o.generic, o.full, o.err = unknownHealth, generic, full, nil
	o.tcp, _ = sc.(*net.TCPConn)
	err = rc.Control(o.fn)
	if err == nil {
		err = o.err
	}
	h := o.h
	o.h, o.tcp = Health{}, nil
	checkOps.Put(o)
	noteHealth(conn, &h, err)
	return h, err
}

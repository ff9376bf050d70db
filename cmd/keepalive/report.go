package main

import (
	"errors"
	"fmt"
	"net"
	"time"
)

// A reported error was printed already, by the flag package or as an
// "error" event of -json: main only sets the exit code.
type reported struct{ err error }

func (e reported) Error() string { return e.err.Error() }
func (e reported) Unwrap() error { return e.err }

func isReported(err error) bool {
	_, ok := errors.AsType[reported](err)
	return ok
}

// failed turns *err, an error that ends the command, into an "error"
// event on stdout with -json; in text, main prints it on stderr. A held
// connection's death (errDied) was reported already.
func (r *reporter) failed(err *error) {
	if *err == nil || !r.json || errors.Is(*err, errDied) {
		return
	}
	f := fields{"error": (*err).Error()}
	if oe, ok := errors.AsType[*net.OpError](*err); ok {
		f["op"] = oe.Op
		if oe.Addr != nil {
			f["addr"] = oe.Addr.String()
		}
	}
	r.event("error", f, (*err).Error())
	*err = reported{*err}
}

// lastPacket says, where the system tells, how long ago conn last
// received a packet, the time the keep-alive bound counts from: as a
// JSON field (since_packet) and as words for the text line. A probe that
// was answered moves it, though no data came.
func lastPacket(conn net.Conn) (fields, string) {
	d, ok := sinceLastPacket(conn)
	if !ok {
		return fields{}, ""
	}
	return fields{"since_packet": d.String()}, fmt.Sprintf("; last packet received %v ago", d.Round(time.Millisecond))
}

package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// healthEvery is how often -hold reads the kernel's view of the peer
// (keepalive.Inspect: a few getsockopt calls, nothing sent).
const healthEvery = 100 * time.Millisecond

// A healthWatch prints the kernel's view of a held connection's peer
// whenever it changes: the state, and probes or retransmissions going
// unanswered, with how long the kernel will still wait ("probe 1 of 4
// unanswered, declared gone in ≤ 3s").
type healthWatch struct {
	last string
	off  bool // Inspect failed (unsupported here): stop asking
}

// poll reads conn's Health and prints it if it changed. It returns the
// error with which the kernel dropped the connection, if Inspect took
// it from the socket (the reader then sees only io.EOF).
func (w *healthWatch) poll(r *reporter, conn net.Conn) error {
	if w.off {
		return nil
	}
	h, err := keepalive.Inspect(conn)
	if err != nil {
		w.off = true
		if !errors.Is(err, errors.ErrUnsupported) {
			r.event("warning", fields{"warning": err.Error()}, "cannot watch the peer's health: "+err.Error())
		}
		return nil
	}
	if h.Err != nil {
		return h.Err
	}
	key := fmt.Sprint(h.State, h.Unanswered(), h.Probes, h.Retransmissions, h.Unacked > 0, h.KeepAlive.Enabled)
	if key == w.last {
		return nil
	}
	w.last = key
	f := fields{"state": h.State.String(), "unanswered": h.Unanswered(), "probes": h.Probes, "retransmissions": h.Retransmissions, "unacked": h.Unacked}
	if h.SinceReceived >= 0 {
		f["since_packet"] = h.SinceReceived.String()
	}
	if h.GivesUpIn >= 0 {
		f["gives_up_in"] = h.GivesUpIn.String()
	}
	r.event("health", f, h.String())
	return nil
}

// diedWith picks the error to report for a connection whose death both
// the reader (readErr, nil if it has not returned) and Inspect (taken)
// may have seen: the kernel hands its error to one of them, and the
// other gets io.EOF or EPIPE.
func diedWith(readErr, taken error) error {
	if taken == nil || (readErr != nil && !errors.Is(readErr, io.EOF)) {
		return readErr
	}
	return taken
}

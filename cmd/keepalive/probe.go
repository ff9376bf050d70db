package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"
)

// A probe is one connection of the search.
type probe struct {
	idle  time.Duration
	conn  net.Conn
	rtt   time.Duration // of the hello exchange
	quiet time.Time     // when the flow went quiet: the far side's answer came
	run   string        // the far side's run, "" from a -listen without runs

	// rerun, if not nil, reads the far side's run again, on a new
	// connection: set when every probe met the same run.
	rerun func(context.Context) (string, error)
}

// A verdict is what one probe found after its idle time.
type verdict struct {
	i           int
	kept        bool
	interrupted bool   // the search was interrupted before the check
	restarted   bool   // the far side's -listen restarted: not the path
	how         string // if not kept, how the flow was lost, in an operator's words
	err         error
}

// openProbe dials one probing connection with keep-alive off, and asks
// the far side to echo with keep-alive off too.
func openProbe(ctx context.Context, o options, idle time.Duration) (probe, error) {
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	conn, err := (&net.Dialer{KeepAlive: -1}).DialContext(ctx, "tcp", o.connect)
	if err != nil {
		return probe{}, err
	}
	start := time.Now()
	conn.SetDeadline(start.Add(o.timeout))
	if _, err := fmt.Fprintf(conn, "%s%d\n", findHello, int(o.findIdle/time.Second)); err != nil {
		conn.Close()
		return probe{}, err
	}
	run, err := readOK(conn)
	if err != nil {
		conn.Close()
		return probe{}, fmt.Errorf("%s did not answer as keepalive -listen does (a version with -find-idle-timeout): %v", o.connect, err)
	}
	conn.SetDeadline(time.Time{})
	now := time.Now()
	return probe{idle: idle, conn: conn, rtt: now.Sub(start), quiet: now, run: run}, nil
}

// readOK reads -listen's answer to the hello, a byte at a time so that
// nothing after it is taken from conn, and returns its run ("" for a
// -listen without runs).
func readOK(conn net.Conn) (string, error) {
	var line []byte
	b := make([]byte, 1)
	for len(line) < 64 {
		if _, err := io.ReadFull(conn, b); err != nil {
			return "", err
		}
		line = append(line, b[0])
		if b[0] != '\n' {
			continue
		}
		switch s := strings.TrimSuffix(string(line), "\n"); {
		case s == findOK:
			return "", nil
		case strings.HasPrefix(s, findOK+" ") && len(s) > len(findOK)+1:
			return s[len(findOK)+1:], nil
		}
		break
	}
	return "", fmt.Errorf("answered %q", line)
}

// check waits p.idle, then sends a message and waits for its echo.
// A silent drop shows as no echo: the message is retransmitted into
// nothing. The wait covers three retransmissions (200ms, 400ms, 800ms
// at least) on top of a few round trips.
func (p probe) check(ctx context.Context, i int) verdict {
	v := p.wait(ctx, i)
	if v.kept || v.interrupted || errors.Is(v.err, os.ErrDeadlineExceeded) || p.rerun == nil {
		return v
	}
	// Reset or closed: by the path, or by a -listen that is no more.
	rctx, cancel := context.WithTimeout(ctx, 3*time.Second+4*p.rtt)
	defer cancel()
	switch run, err := p.rerun(rctx); {
	case err != nil:
		v.how += fmt.Sprintf("; -listen did not answer again (%v), so this may be its end, not the path's", err)
	case run != p.run:
		v.restarted = true
		v.how = fmt.Sprintf("%s by the far side's -listen, which restarted (run %s, now %s), not by the path", v.how, p.run, run)
	}
	return v
}

// wait is check without a look at the far side's run.
func (p probe) wait(ctx context.Context, i int) verdict {
	t := time.NewTimer(time.Until(p.quiet.Add(p.idle)))
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return verdict{i: i, interrupted: true, how: "interrupted", err: ctx.Err()}
	}
	const msg = "ping\n"
	p.conn.SetDeadline(time.Now().Add(3*time.Second + 4*p.rtt))
	_, err := io.WriteString(p.conn, msg)
	if err == nil {
		buf := make([]byte, len(msg))
		_, err = io.ReadFull(p.conn, buf)
	}
	switch {
	case err == nil:
		return verdict{i: i, kept: true}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return verdict{i: i, how: "dropped silently: no echo in time", err: err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return verdict{i: i, how: "closed (EOF)", err: err}
	}
	return verdict{i: i, how: describe(err), err: err}
}

// errString is err's text, "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

package netns

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// A Flow is one end of a connection that goes quiet and then talks
// again, to see whether a Middlebox kept it: the listening end echoes
// whatever it reads; the dialing end exchanges a greeting, stays quiet
// for Quiet, writes a message and waits up to Wait for its echo.
//
// It prints "ready" once listening, "exchanged" after the greeting, and
// the dialing end "result {json}" (a FlowResult) when done.
type Flow struct {
	Dial   string // address to dial, or
	Listen string // address to listen on (one connection is accepted)

	How    How    // how the socket is configured
	Config string // keepalive.Config in its text form

	Quiet time.Duration
	Wait  time.Duration
}

// FlowResult is what the dialing end of a Flow reports.
type FlowResult struct {
	Echoed  bool          // the message came back
	Err     string        // else the error's text
	Errno   string        // its syscall.Errno's name ("ECONNRESET"), "EOF", or "deadline" when nothing came in Wait
	Elapsed time.Duration // from the write to the echo or the error
}

func (Flow) role() string { return "flow" }

func (f Flow) play(player) error { return f.run() }

// ParseFlowResult reads the text after "result".
func ParseFlowResult(s string) (FlowResult, error) { return parse[FlowResult](s) }

func (f Flow) run() error {
	var cfg keepalive.Config
	if err := cfg.UnmarshalText([]byte(f.Config)); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if f.Listen != "" {
		return f.echo(ctx, cfg)
	}
	d, err := dialer(f.How, cfg, false)
	if err != nil {
		return err
	}
	conn, err := d.DialContext(ctx, "tcp", f.Dial)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := exchange(conn, "hello\n"); err != nil {
		return err
	}
	fmt.Println("exchanged")
	time.Sleep(f.Quiet)
	start := time.Now()
	conn.SetReadDeadline(start.Add(f.Wait))
	var res FlowResult
	if err := exchange(conn, "ping\n"); err != nil {
		res.Err, res.Errno = err.Error(), errnoName(err)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			res.Errno = "deadline"
		}
	} else {
		res.Echoed = true
	}
	res.Elapsed = time.Since(start)
	return printResult(res)
}

// exchange writes msg and reads its echo.
func exchange(conn net.Conn, msg string) error {
	if _, err := io.WriteString(conn, msg); err != nil {
		return err
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(conn, buf); err != nil {
		return err
	}
	if string(buf) != msg {
		return fmt.Errorf("echo %q, want %q", buf, msg)
	}
	return nil
}

// echo accepts one connection and echoes it until it ends.
func (f Flow) echo(ctx context.Context, cfg keepalive.Config) error {
	ln, err := listen(ctx, f.How, f.Listen, cfg, false, func(_ net.Conn, err error) {
		fmt.Fprintln(os.Stderr, "flow: accepted connection:", err)
	})
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Println("ready")
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	io.Copy(conn, conn)
	return nil
}

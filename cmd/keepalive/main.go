// Command keepalive shows the TCP keep-alive settings the kernel holds for
// sockets configured by the keepalive library.
//
// With no arguments it listens on loopback with keepalive.ListenConfig,
// dials itself with keepalive.WithKeepalive, and prints, for the dialed
// and the accepted socket, the values read back from the kernel:
//
//	go run ./cmd/keepalive
//	go run ./cmd/keepalive -config idle=10s,interval=2s,count=3
//	go run ./cmd/keepalive -connect db.internal:5432
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "keepalive:", err)
		}
		os.Exit(2)
	}
}

var defaultConfig = keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keepalive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg keepalive.Config
	fs.TextVar(&cfg, "config", defaultConfig, "keep-alive settings: idle=…,interval=…,count=…,user-timeout=… (any may be \"system\")")
	connect := fs.String("connect", "", "dial `host:port` instead of a loopback listener")
	timeout := fs.Duration("timeout", 10*time.Second, "how long to wait for -connect")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	fmt.Fprintf(stdout, "config    %v\n", cfg)
	fmt.Fprintf(stdout, "timeout   %v  (a dead peer on an idle connection is noticed after this)\n", cfg.Timeout())
	if err := cfg.Coherent(); err != nil {
		fmt.Fprintf(stdout, "warning   %v\n", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg))
	if *connect != "" {
		conn, err := d.DialContext(ctx, "tcp", *connect)
		if err != nil {
			return err
		}
		defer conn.Close()
		return show(stdout, "dialed", conn)
	}

	ln, err := keepalive.ListenConfig(cfg).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		defer close(accepted)
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	conn, err := d.DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	defer conn.Close()
	peer, ok := <-accepted
	if !ok {
		return errors.New("loopback listener accepted nothing")
	}
	defer peer.Close()
	return errors.Join(show(stdout, "dialed", conn), show(stdout, "accepted", peer))
}

// show prints what the kernel holds for conn.
func show(w io.Writer, what string, conn net.Conn) error {
	st, err := keepalive.Get(conn)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%-9s %v -> %v\n          keep-alive %v\n          timeout %v\n", what, conn.LocalAddr(), conn.RemoteAddr(), st, st.Config.Timeout())
	return nil
}

package main

import (
	"context"
	"errors"
	"net"

	"github.com/tcpkeepalive/keepalive"
)

// demo is the command without -connect or -listen: a loopback listener
// and a dial to it, both with o.cfg, and what the kernel holds for each
// end.
func demo(ctx context.Context, r *reporter, o options) error {
	r.config(o.cfg)
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	ln, err := keepalive.Listen(ctx, "tcp", "127.0.0.1:0", o.cfg)
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
	conn, err := keepalive.NewDialer(keepalive.WithKeepalive(o.cfg)).DialContext(ctx, "tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	defer conn.Close()
	peer, ok := <-accepted
	if !ok {
		return errors.New("loopback listener accepted nothing")
	}
	defer peer.Close()
	return errors.Join(r.socket("dialed", conn), r.socket("accepted", peer))
}

// connect is -connect: dial with o.cfg, report what the kernel holds for
// the socket, and with -hold, hold the connection.
func connect(ctx context.Context, r *reporter, o options) error {
	r.config(o.cfg)
	dctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	conn, err := keepalive.NewDialer(keepalive.WithKeepalive(o.cfg)).DialContext(dctx, "tcp", o.connect)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := r.socket("dialed", conn); err != nil {
		return err
	}
	if o.hold == 0 {
		return nil
	}
	return hold(ctx, r, o, conn)
}

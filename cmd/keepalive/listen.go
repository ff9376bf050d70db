package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// listen is -listen: accept connections with o.cfg, report each one,
// serve it (serveConn) and report how it ended, until ctx is done.
func listen(ctx context.Context, r *reporter, o options) error {
	r.config(o.cfg)
	ln, err := keepalive.Listen(ctx, "tcp", o.listen, o.cfg)
	if err != nil {
		return err
	}
	r.event("listening", fields{"addr": ln.Addr().String()}, "on "+ln.Addr().String())
	run := newRun()
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	stop := context.AfterFunc(ctx, func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for c := range open {
			c.Close()
		}
	})
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			wg.Wait()
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		mu.Lock()
		open[conn] = true
		mu.Unlock()
		if err := r.socket("accepted", conn); err != nil {
			r.event("error", fields{"error": err.Error()}, err.Error())
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			err := serveConn(r, conn, run)
			if err == nil {
				err = io.EOF
			}
			if ctx.Err() == nil {
				how := describe(err)
				f, packet := lastPacket(conn)
				f["remote"], f["how"], f["peer_gone"], f["error"], f["held"] = conn.RemoteAddr().String(), how, keepalive.IsPeerGone(err), err.Error(), time.Since(start).String()
				r.event("closed", f, fmt.Sprintf("%v: %s after %v%s", conn.RemoteAddr(), how, time.Since(start).Round(time.Millisecond), packet))
			}
			mu.Lock()
			delete(open, conn)
			mu.Unlock()
			conn.Close()
		}()
	}
}

// newRun returns a random id for one -listen run.
func newRun() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// serveConn is what -listen does with a connection: a probe of
// -find-idle-timeout gets keep-alive off (its probes would keep the flow
// alive) and an echo until a while after the longest idle time it
// announced (a probe whose flow was forgotten never hears from its
// client again); anything else is read and discarded. It returns nil at
// EOF.
func serveConn(r *reporter, conn net.Conn, run string) error {
	br := bufio.NewReader(conn)
	for i := range len(findHello) {
		b, err := br.ReadByte()
		if err != nil {
			return ignoreEOF(err)
		}
		if b != findHello[i] {
			_, err := io.Copy(io.Discard, br)
			return err
		}
	}
	var secs int
	if _, err := fmt.Fscanf(br, "%d\n", &secs); err != nil || secs < 1 {
		_, err := io.Copy(io.Discard, br)
		return err
	}
	conn.SetDeadline(time.Now().Add(2*time.Duration(secs)*time.Second + time.Minute))
	if tc, ok := conn.(*net.TCPConn); ok {
		if err := tc.SetKeepAlive(false); err != nil {
			return err
		}
	}
	r.event("probe", fields{"remote": conn.RemoteAddr().String()},
		fmt.Sprintf("%v: a -find-idle-timeout probe: keep-alive off, echoing", conn.RemoteAddr()))
	if _, err := io.WriteString(conn, findOK+" "+run+"\n"); err != nil {
		return err
	}
	_, err := io.Copy(conn, br)
	return err
}

// ignoreEOF is err, or nil if err is io.EOF.
func ignoreEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return nil
	}
	return err
}

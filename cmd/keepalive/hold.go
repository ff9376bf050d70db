package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/kernel"
)

// hold watches conn until it dies, o.hold passes, or ctx is done.
func hold(ctx context.Context, r *reporter, o options, conn net.Conn) error {
	start := time.Now()
	var mu sync.Mutex
	lastHeard, received := start, 0
	var lastSent time.Time
	died := make(chan error, 2)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := conn.Read(buf)
			mu.Lock()
			received += n
			if n > 0 {
				lastHeard = time.Now()
			}
			mu.Unlock()
			if err != nil {
				died <- err
				return
			}
		}
	}()
	var ping <-chan time.Time
	if o.ping > 0 {
		t := time.NewTicker(o.ping)
		defer t.Stop()
		ping = t.C
	}
	alive := time.NewTicker(o.every)
	defer alive.Stop()
	deadline := time.NewTimer(o.hold)
	defer deadline.Stop()
	sent := 0
	watch := time.NewTicker(healthEvery)
	defer watch.Stop()
	var health healthWatch
	health.poll(r, conn)
	summary := func(outcome string) {
		mu.Lock()
		defer mu.Unlock()
		r.event("summary", fields{"outcome": outcome, "held": time.Since(start).String(), "sent": sent, "received": received},
			fmt.Sprintf("%s after %v; %d bytes sent, %d received", outcome, time.Since(start).Round(time.Millisecond), sent, received))
	}
	for {
		select {
		case <-ping:
			if _, err := conn.Write([]byte{0}); err != nil {
				died <- err
				continue
			}
			mu.Lock()
			sent++
			lastSent = time.Now()
			mu.Unlock()
		case <-alive.C:
			mu.Lock()
			quiet := time.Since(lastHeard)
			mu.Unlock()
			f, packet := lastPacket(conn)
			f["held"], f["quiet"] = time.Since(start).String(), quiet.String()
			r.event("alive", f, fmt.Sprintf("still open after %v (no data received for %v%s)", time.Since(start).Round(time.Second), quiet.Round(time.Second), packet))
		case <-watch.C:
			taken := health.poll(r, conn)
			if taken == nil {
				continue
			}
			// Inspect took the kernel's error: the reader, woken too,
			// may hold it instead, or io.EOF.
			var readErr error
			select {
			case readErr = <-died:
			case <-time.After(100 * time.Millisecond):
			}
			died <- diedWith(readErr, taken)
		case err := <-died:
			mu.Lock()
			quiet := time.Since(lastHeard)
			server := serverClose(err, time.Since(start), time.Since(lastSent), sent, received)
			mu.Unlock()
			how := describe(err)
			f, packet := lastPacket(conn)
			f["how"], f["peer_gone"], f["error"], f["held"], f["quiet"] = how, keepalive.IsPeerGone(err), err.Error(), time.Since(start).String(), quiet.String()
			f["server_close"] = server != ""
			text := fmt.Sprintf("%s after %v, no data received for %v%s (%v)", how, time.Since(start).Round(time.Millisecond), quiet.Round(time.Millisecond), packet, err)
			if server != "" {
				f["likely"] = server
				text += ": " + server
			}
			r.event("died", f, text)
			if server != "" {
				summary("died (most likely the server's own close, not the path's): " + how)
				return errDied
			}
			summary("died: " + how)
			return errDied
		case <-deadline.C:
			summary("still open")
			return nil
		case <-ctx.Done():
			summary("interrupted, still open")
			return nil
		}
	}
}

// describe says how a connection ended, in an operator's words:
// keepalive.IsPeerGone decides whether the peer is gone, errnoWords says
// how.
func describe(err error) string {
	switch {
	case errors.Is(err, io.EOF):
		return "closed by the peer (EOF)"
	case !keepalive.IsPeerGone(err):
		return "failed"
	}
	for _, e := range kernel.PeerGone {
		if errors.Is(err, e.Err) {
			return errnoWords(e)
		}
	}
	return "peer gone"
}

// errnoWords says what e means: "timed out (ETIMEDOUT: keep-alive probes
// or the user timeout went unanswered)".
func errnoWords(e kernel.Errno) string {
	if e.Why == "" {
		return e.Says + " (" + e.Name + ")"
	}
	return e.Says + " (" + e.Name + ": " + e.Why + ")"
}

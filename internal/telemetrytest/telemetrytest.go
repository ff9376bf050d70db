// Package telemetrytest is what the tests of the telemetry modules
// (contrib/keepaliveotel, contrib/keepaliveprom) share: tracked loopback
// connections, a storm of dials and closes to collect during, and their
// benchmarks' connections, sizes and per-connection figures. It is test
// tooling for this repository, not API.
package telemetrytest

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/sockettest"
)

// Loopback dials n connections configured with cfg and tracked by tr to
// a loopback listener, and returns both ends of each, closed when the
// test ends.
func Loopback(t testing.TB, tr *keepalive.Tracker, cfg keepalive.Config, n int) (clients, servers []net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg), keepalive.WithTracker(tr))
	for range n {
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			c.Close()
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(); s.Close() })
		clients, servers = append(clients, c), append(servers, s)
	}
	return clients, servers
}

// Storm dials connections configured with cfg and tracked by tr to a
// loopback listener, checks and closes each, from four goroutines, for
// a second; meanwhile it calls collect again and again, and returns how
// many times it did. Every goroutine has ended when it returns.
func Storm(t testing.TB, tr *keepalive.Tracker, cfg keepalive.Config, collect func()) int {
	t.Helper()
	addr := sockettest.Serve(t, func(net.Conn) {}) // closes each connection
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg), keepalive.WithTracker(tr))
	for range 4 {
		wg.Go(func() {
			for ctx.Err() == nil {
				c, err := d.DialContext(ctx, "tcp", addr)
				if err != nil {
					continue
				}
				keepalive.Check(c)
				c.Close()
			}
		})
	}
	collections := 0
	for ctx.Err() == nil {
		collect()
		collections++
	}
	return collections
}

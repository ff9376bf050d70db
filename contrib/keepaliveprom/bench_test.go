package keepaliveprom_test

import (
	"fmt"
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveprom"
)

// BenchmarkCollector: one Gather of a registry holding the Collector, as
// a scrape makes it (without the HTTP encoding), for n tracked loopback
// connections to one peer. ns/conn is the time per tracked connection;
// allocs/op that does not grow with n is no allocation per connection.
// The process's file limit (both ends are ours) caps n.
func BenchmarkCollector(b *testing.B) {
	for _, n := range []int{1000, 8000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			benchConns(b, tr, n)
			reg := prometheus.NewRegistry()
			reg.MustRegister(keepaliveprom.NewCollector(tr))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := reg.Gather(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/conn")
		})
	}
}

// benchConns dials n tracked connections over loopback, closed when the
// benchmark ends.
func benchConns(b *testing.B, tr *keepalive.Tracker, n int) {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	accepted := make(chan net.Conn, n)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	conns := make([]net.Conn, 0, 2*n)
	b.Cleanup(func() {
		ln.Close()
		for c := range accepted {
			conns = append(conns, c)
		}
		for _, c := range conns {
			c.Close()
		}
	})
	d := keepalive.NewDialer(keepalive.WithKeepalive(cfg), keepalive.WithTracker(tr))
	for range n {
		c, err := d.Dial("tcp", ln.Addr().String())
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, c)
	}
}

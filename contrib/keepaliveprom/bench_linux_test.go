package keepaliveprom_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveprom"
	"github.com/tcpkeepalive/keepalive/internal/telemetrytest"
)

// BenchmarkCollector: one Gather of a registry holding the Collector, as
// a scrape makes it (without the HTTP encoding), for conns tracked
// loopback connections to peers hosts (127.0.x.y). ns/conn and
// cpu-ns/conn are the wall and CPU time per tracked connection;
// allocs/op that does not grow with conns is no allocation per
// connection. Both ends are tracked, one descriptor each, so the file
// limit caps conns; KEEPALIVE_BENCH_CONNS and KEEPALIVE_BENCH_PEERS ask
// for another size (scripts/telemetry-bench).
func BenchmarkCollector(b *testing.B) {
	for _, s := range telemetrytest.Sizes(b) {
		b.Run(s.String(), func(b *testing.B) {
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			telemetrytest.Conns(b, tr, cfg, s)
			reg := prometheus.NewRegistry()
			reg.MustRegister(keepaliveprom.NewCollector(tr))
			telemetrytest.PerConn(b, s.Conns, func() error {
				_, err := reg.Gather()
				return err
			})
		})
	}
}

// BenchmarkTrackerCollect: the tracker's own reading of the same
// connections, with nothing done with them: what the modules' figures
// cost beyond it is theirs.
func BenchmarkTrackerCollect(b *testing.B) {
	for _, s := range telemetrytest.Sizes(b) {
		b.Run(s.String(), func(b *testing.B) {
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			telemetrytest.Conns(b, tr, cfg, s)
			ctx := context.Background()
			read := func(*keepalive.Reading) bool { return true }
			telemetrytest.PerConn(b, s.Conns, func() error { return tr.Collect(ctx, read) })
		})
	}
}

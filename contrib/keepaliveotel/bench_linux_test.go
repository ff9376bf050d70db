package keepaliveotel_test

import (
	"context"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/contrib/keepaliveotel"
	"github.com/tcpkeepalive/keepalive/internal/telemetrytest"
)

// BenchmarkCollect: one collection of a real SDK's ManualReader holding
// the instruments, for conns tracked loopback connections to peers hosts
// (127.0.x.y). ns/conn and cpu-ns/conn are the wall and CPU time per
// tracked connection; allocs/op that does not grow with conns is no
// allocation per connection. Both ends are tracked, one descriptor each,
// so the file limit caps conns; KEEPALIVE_BENCH_CONNS and
// KEEPALIVE_BENCH_PEERS ask for another size (scripts/telemetry-bench).
func BenchmarkCollect(b *testing.B) {
	for _, s := range telemetrytest.Sizes(b) {
		b.Run(s.String(), func(b *testing.B) {
			tr := keepalive.NewTracker(keepalive.TrackerOptions{})
			defer tr.Close()
			telemetrytest.Conns(b, tr, cfg, s)
			reader := sdkmetric.NewManualReader()
			// Room for every peer's points (docs/telemetry.md, cardinality).
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithCardinalityLimit(10*s.Peers+100))
			defer mp.Shutdown(context.Background())
			reg, err := keepaliveotel.Register(tr, mp)
			if err != nil {
				b.Fatal(err)
			}
			defer reg.Unregister()
			var rm metricdata.ResourceMetrics
			telemetrytest.PerConn(b, s.Conns, func() error { return reader.Collect(context.Background(), &rm) })
		})
	}
}

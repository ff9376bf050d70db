package keepalive_test

// Within on the running system: Linux's figures, and a valid, coherent
// Config for every bound.

import (
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive"
)

func TestWithin(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want keepalive.Config
	}{
		{4 * time.Second, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 2, UserTimeout: 3 * time.Second}},
		{5 * time.Second, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 3, UserTimeout: 4 * time.Second}},
		// More probes where 3 would let 5% loss drop a live connection
		// more than once per 1000 connection-hours.
		{10 * time.Second, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 7, UserTimeout: 8 * time.Second}},
		{30 * time.Second, keepalive.Config{Idle: 18 * time.Second, Interval: time.Second, Count: 8, UserTimeout: 26 * time.Second}},
		{time.Minute, keepalive.Config{Idle: 43 * time.Second, Interval: time.Second, Count: 10, UserTimeout: 53 * time.Second}},
		{time.Hour, keepalive.Config{Idle: 2402 * time.Second, Interval: 133 * time.Second, Count: 6, UserTimeout: 3200 * time.Second}},
		{keepalive.MinWithin, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 1, UserTimeout: 2 * time.Second}},
		{time.Second, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 1, UserTimeout: 2 * time.Second}},
		{-time.Second, keepalive.Config{Idle: time.Second, Interval: time.Second, Count: 1, UserTimeout: 2 * time.Second}},
	} {
		t.Run(tt.d.String(), func(t *testing.T) {
			if runtime.GOOS != "linux" && runtime.GOOS != "android" {
				t.Skip("Linux's figures; TestWithinOnOtherSystems has the other systems'")
			}
			assert.Equal(t, tt.want, keepalive.Within(tt.d))
		})
	}
	// Every Within is valid on the running system; where it has the
	// options, coherent, with an idle bound that leaves room for the
	// timers' lateness (1/8) below d.
	for d := keepalive.MinWithin; d < 48*time.Hour; d = d*5/4 + 7*time.Millisecond {
		c := keepalive.Within(d)
		require.NoError(t, c.Validate(), d)
		if runtime.GOOS != "linux" && runtime.GOOS != "android" {
			continue // TestWithinEverywhere checks every system's bound
		}
		require.NoError(t, c.Coherent(), d)
		require.LessOrEqual(t, c.Timeout()+c.Timeout()/8, d, d)
		require.Equal(t, c.Timeout(), c.UserTimeout, d)
	}
}

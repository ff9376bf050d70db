package falsekill_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/tcpkeepalive/keepalive/internal/falsekill"
)

func TestProbes(t *testing.T) {
	s := time.Second
	for _, tt := range []struct {
		name                 string
		idle, interval, user time.Duration
		count, want          int
	}{
		{"no user timeout: Count", 2 * s, s, 0, 4, 4},
		{"Within(5s): 3", s, s, 4 * s, 3, 3},
		{"the idle timer's lateness eats a probe", 20 * s, 2 * s, 26 * s, 3, 2},
		{"user timeout below Idle + Interval: one", 15 * s, 15 * s, 20 * s, 9, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, falsekill.Probes(tt.idle, tt.interval, tt.count, tt.user))
		})
	}
}

func TestPerHour(t *testing.T) {
	s := time.Second
	assert.Zero(t, falsekill.PerHour(s, s, 3, 4*s, 0))
	// Within(5s) at 5% each way: q = 0.0975, a cycle 1s + 1s(q + q²):
	// 3600/1.107 * q³ ≈ 3.01 per hour.
	q := 1 - 0.95*0.95
	want := 3600 / (1 + q + q*q) * q * q * q
	assert.InDelta(t, want, falsekill.PerHour(s, s, 3, 4*s, 0.05), 1e-9)
	assert.InDelta(t, 3.01, want, 0.01)
	// More probes, fewer kills; more loss, more kills.
	assert.Less(t, falsekill.PerHour(s, s, 4, 0, 0.05), falsekill.PerHour(s, s, 3, 0, 0.05))
	assert.Less(t, falsekill.PerHour(s, s, 3, 0, 0.05), falsekill.PerHour(s, s, 3, 0, 0.2))
	// Interval above Idle: an answered probe re-arms the timer for
	// Interval, so exchanges come every Interval.
	assert.InDelta(t, falsekill.PerHour(3*s, 3*s, 3, 0, 0.2), falsekill.PerHour(s, 3*s, 3, 0, 0.2), 1e-9)
	assert.False(t, math.IsNaN(falsekill.PerHour(s, s, 3, 0, 1)))
}

package keepalive

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/falsekill"
)

// TestWithinSurvivesLoss: on Linux, for every d of 10s or more, Within's
// Config lets 5% random loss each way drop a live idle connection at most
// once per 1000 connection-hours (by the model), with the fewest probes
// that do it: one probe fewer, spread over the same budget, would not.
func TestWithinSurvivesLoss(t *testing.T) {
	for d := 10 * time.Second; d < 48*time.Hour; d = d*5/4 + 7*time.Millisecond {
		c := withinFor(linuxOptions, d)
		kills := falsekill.PerHour(c.Idle, c.Interval, c.Count, c.UserTimeout, withinLoss)
		require.LessOrEqual(t, kills, withinKillsPerHour, "d=%v: %v", d, c)
		if c.Count <= 3 {
			continue
		}
		budget := (d / 9 * 8).Truncate(time.Second)
		i, v := spread(budget, c.Count-1, time.Second, 32767*time.Second, time.Second, 32767*time.Second)
		assert.Greater(t, falsekill.PerHour(i, v, c.Count-1, i+v*time.Duration(c.Count-1), withinLoss), withinKillsPerHour,
			"d=%v: %v has more probes than it needs", d, c)
	}
	// Within(5s) cannot: its 4s hold three probes at most.
	c := withinFor(linuxOptions, 5*time.Second)
	assert.Greater(t, falsekill.PerHour(c.Idle, c.Interval, c.Count, c.UserTimeout, withinLoss), 1.0)
}

// TestUnderSurvivesLoss: Under keeps what Within promised on a lossy
// path: shorter idle, but Count grows to fill the bound, so 5% loss
// still drops a live idle connection at most once per 1000
// connection-hours (by the model).
func TestUnderSurvivesLoss(t *testing.T) {
	for d := 10 * time.Second; d < 48*time.Hour; d = d*5/4 + 7*time.Millisecond {
		for idle := MinUnder; idle < 2*time.Hour; idle = idle*3/2 + time.Second {
			c := withinFor(linuxOptions, d).underFor(linuxOptions, idle)
			kills := falsekill.PerHour(c.Idle, c.Interval, c.Count, c.UserTimeout, withinLoss)
			require.LessOrEqual(t, kills, withinKillsPerHour, "Within(%v).Under(%v) = %v", d, idle, c)
		}
	}
}

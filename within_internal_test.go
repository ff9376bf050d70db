package keepalive

// Within on every system's table, its limit and Under's in the text form,
// and what the loss model says of it.

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/falsekill"
)

// TestWithinEverywhere: Within's Config is valid on every table for
// every d, and meets d*8/9 (the room left for Linux's timer lateness)
// wherever the table can set the timers and d is above the table's
// fastest Config.
func TestWithinEverywhere(t *testing.T) {
	ds := []time.Duration{math.MinInt64, -time.Second, 0, time.Nanosecond, time.Second, MinWithin}
	for d := MinWithin; d < 1<<62; d += d/2 + 7*time.Millisecond {
		ds = append(ds, d)
	}
	ds = append(ds, math.MaxInt64)
	for _, tt := range allTables() {
		t.Run(tt.name, func(t *testing.T) {
			tab := tt.table
			full := tab.idle.exists() && tab.interval.exists() && (tab.count.exists() || tab.fixedCount > 0)
			minIdle, _ := tab.idle.secondsRange()
			minInterval, _ := tab.interval.secondsRange()
			fastest := minIdle + minInterval*time.Duration(max(1, tab.fixedCount))
			for _, d := range ds {
				c := withinFor(tab, d)
				require.NoError(t, c.validateFor(tab), "d=%v: %#v", d, c)
				if !tab.idle.exists() {
					require.Equal(t, Config{Idle: System, Interval: System, Count: System}, c)
					continue
				}
				if tab.userTimeout.exists() {
					require.Positive(t, c.UserTimeout, "d=%v", d)
				} else {
					require.Zero(t, c.UserTimeout, "d=%v", d)
				}
				if !full {
					require.Equal(t, time.Duration(System), c.Interval)
					continue
				}
				r := c.resolvedFor(tab, Config{})
				if r.Count == System {
					r.Count = tab.fixedCount
				}
				bound := r.Idle + r.Interval*time.Duration(r.Count)
				if tab.userTimeout.exists() {
					require.Equal(t, bound, c.UserTimeout, "d=%v: the user timeout agrees with Count", d)
				}
				if d/9*8 >= fastest {
					require.LessOrEqual(t, bound, d/9*8, "d=%v: %#v", d, c)
				} else {
					require.Equal(t, fastest, bound, "d=%v: the fastest Config", d)
				}
			}
		})
	}
}

func TestWithinOnOtherSystems(t *testing.T) {
	tests := []struct {
		name  string
		table *sockopts
		d     time.Duration
		want  Config
	}{
		{"linux", linuxOptions, 90 * time.Second, Config{Idle: 62 * time.Second, Interval: 2 * time.Second, Count: 9, UserTimeout: 80 * time.Second}},
		{"illumos caps the interval at 60s", illumosOptions, 24 * time.Hour, Config{Idle: 76620 * time.Second, Interval: 60 * time.Second, Count: 3, UserTimeout: 76800 * time.Second}},
		{"illumos 4s", illumosOptions, 4 * time.Second, Config{Idle: time.Second, Interval: time.Second, Count: 2, UserTimeout: 3 * time.Second}},
		{"netbsd has no user timeout", netbsdOptions, 90 * time.Second, Config{Idle: 62 * time.Second, Interval: 6 * time.Second, Count: 3}},
		{"solaris 11.4 timers start at 10s", solarisOptions, 2*time.Minute + 15*time.Second, Config{Idle: 90 * time.Second, Interval: 10 * time.Second, Count: 3, UserTimeout: 120 * time.Second}},
		{"solaris 11.4 below 22.5s: the fastest", solarisOptions, 10 * time.Second, Config{Idle: 10 * time.Second, Interval: 10 * time.Second, Count: 1, UserTimeout: 20 * time.Second}},
		{"solaris 11.4 30s: one probe", solarisOptions, 30 * time.Second, Config{Idle: 16 * time.Second, Interval: 10 * time.Second, Count: 1, UserTimeout: 26 * time.Second}},
		{"solaris before 11.4: idle and user timeout", solarisLegacyOptions, 90 * time.Second, Config{Idle: 62 * time.Second, Interval: System, Count: System, UserTimeout: 80 * time.Second}},
		{"windows before 1703: ten probes", windowsFor(false, false, true), 90 * time.Second, Config{Idle: 60 * time.Second, Interval: 2 * time.Second, Count: System, UserTimeout: 80 * time.Second}},
		{"windows under wine: no user timeout", windowsFor(false, false, false), 30 * time.Second, Config{Idle: 16 * time.Second, Interval: 1 * time.Second, Count: System}},
		{"windows before 1703 below 12.375s: the fastest", windowsFor(false, false, true), 5 * time.Second, Config{Idle: time.Second, Interval: time.Second, Count: System, UserTimeout: 11 * time.Second}},
		{"plan9: the idle period", plan9Options, 90 * time.Second, Config{Idle: 62 * time.Second, Interval: System, Count: System}},
		{"openbsd: the system's timers", openbsdOptions, 90 * time.Second, Config{Idle: System, Interval: System, Count: System}},
		{"aix: the system's timers", aixOptions, 90 * time.Second, Config{Idle: System, Interval: System, Count: System}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := withinFor(tt.table, tt.d)
			assert.Equal(t, tt.want, got)
			assert.NoError(t, got.validateFor(tt.table))
		})
	}
}

// TestWithinUnderEverywhere: on every system's table, within= and under=
// take the smallest bound the system can meet and refuse what is below,
// naming the limit and the system; Linux's limits are MinWithin and
// MinUnder.
func TestWithinUnderEverywhere(t *testing.T) {
	assert.Equal(t, MinWithin, minWithin(linuxOptions))
	assert.Equal(t, MinUnder, underMinimum(linuxOptions))
	for _, tt := range []struct {
		name string
		t    *sockopts
	}{
		{"linux", linuxOptions}, {"darwin", darwinOptions}, {"freebsd", freebsdOptions},
		{"netbsd", netbsdOptions}, {"dragonfly", dragonflyOptions}, {"openbsd", openbsdOptions},
		{"illumos", illumosOptions}, {"solaris 11.4", solarisOptions}, {"solaris 11.3", solarisLegacyOptions},
		{"aix", aixOptions}, {"plan9", plan9Options}, {"windows", windowsOptions}, {"windows before 1709", windowsLegacyOptions},
	} {
		t.Run(tt.name, func(t *testing.T) {
			low := minWithin(tt.t)
			switch {
			case !tt.t.idle.exists():
				// The system's own timers: Within cannot make them
				// faster, and meets only a bound above theirs.
				_, err := parseText(tt.t, fmt.Sprintf("within=%v", low-time.Millisecond))
				require.ErrorContains(t, err, fmt.Sprintf("below %v, the bound of the system's own keep-alive timers on %s, which cannot be set", low, tt.t.os))
				_, err = parseText(tt.t, fmt.Sprintf("within=%v", low))
				require.NoError(t, err)
				return
			case !tt.t.interval.exists():
				// The system's interval and count follow Idle: a
				// bound that leaves no room for them is not met.
				_, err := parseText(tt.t, "within=1m")
				require.ErrorContains(t, err, "not met on "+tt.t.os+", whose keep-alive interval and count cannot be set: Within's Config notices a dead idle peer after ")
				return
			}
			c, err := parseText(tt.t, fmt.Sprintf("within=%v", low))
			require.NoError(t, err, "the smallest bound %v is met", low)
			assert.Equal(t, withinFor(tt.t, low), c)
			_, err = parseText(tt.t, fmt.Sprintf("within=%v", low-time.Millisecond))
			require.ErrorContains(t, err, fmt.Sprintf("below %v, the smallest bound Within can meet on %s", low, tt.t.os))

			u := underMinimum(tt.t)
			_, err = parseText(tt.t, fmt.Sprintf("within=1h,under=%v", u))
			require.NoError(t, err, "the shortest idle timeout %v is met", u)
			_, err = parseText(tt.t, fmt.Sprintf("within=1h,under=%v", u-time.Millisecond))
			require.ErrorContains(t, err, fmt.Sprintf("below %v, the shortest idle timeout Under can keep a flow through on %s", u, tt.t.os))
		})
	}
}

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

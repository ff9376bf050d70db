package keepalive

// Under on every system's table, and what the loss model says of it.

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tcpkeepalive/keepalive/internal/falsekill"
)

func TestUnder(t *testing.T) {
	s := time.Second
	tests := []struct {
		name  string
		table *sockopts
		c     Config
		idle  time.Duration
		want  Config
	}{
		{"Within(30s) (as it is today) already probes often enough for an AWS NLB", linuxOptions,
			Config{Idle: 20 * s, Interval: 2 * s, Count: 3, UserTimeout: 26 * s}, 350 * s, Config{Idle: 20 * s, Interval: 2 * s, Count: 3, UserTimeout: 26 * s}},
		{"Go's default already fits 60s", linuxOptions, Config{}, 60 * s, Config{}},
		{"Go's default under 20s: Idle and Interval shrink, Count fills the bound", linuxOptions, Config{}, 20 * s,
			Config{Idle: 14 * s, Interval: 2 * s, Count: 68}},
		{"Within(10m) (as it is today) under an AWS NLB keeps the bound and a coherent user timeout", linuxOptions,
			Config{Idle: 401 * s, Interval: 44 * s, Count: 3, UserTimeout: 533 * s}, 350 * s,
			Config{Idle: 272 * s, Interval: 38 * s, Count: 6, UserTimeout: 500 * s}},
		{"Within(10s) (as it is today) under the test NAT's 5s", linuxOptions,
			Config{Idle: 5 * s, Interval: s, Count: 3, UserTimeout: 8 * s}, 5 * s,
			Config{Idle: 2 * s, Interval: s, Count: 6, UserTimeout: 8 * s}},
		{"a user timeout below the bound is kept, Count follows it", linuxOptions, Config{UserTimeout: 20 * s}, 10 * s,
			Config{Idle: 7 * s, Interval: s, Count: 13, UserTimeout: 20 * s}},
		{"Count stops at the system's limit", linuxOptions, Config{Idle: 2 * time.Hour, Interval: 75 * s, Count: 9}, 350 * s,
			Config{Idle: 272 * s, Interval: 38 * s, Count: 127}},
		{"exactly MinUnder: 1s and 1s fit", linuxOptions, Config{Idle: 10 * s, Interval: 10 * s, Count: 2}, MinUnder,
			Config{Idle: s, Interval: s, Count: 29}},
		{"below MinUnder: the fastest the kernel runs", linuxOptions, Config{Idle: 10 * s, Interval: 10 * s, Count: 2}, 2 * s,
			Config{Idle: s, Interval: s, Count: 29}},
		{"illumos: 1s minimum", illumosOptions, Config{Idle: 10 * time.Minute, Interval: 10 * s, Count: 3}, 5 * s,
			Config{Idle: 2 * s, Interval: s, Count: 628}},
		{"solaris 11.4: Idle and Interval no shorter than their 10s minimum", solarisOptions, Config{Idle: 10 * time.Minute, Interval: 10 * s, Count: 3}, 5 * s,
			Config{Idle: 10 * s, Interval: 10 * s, Count: 62}},
		{"netbsd: no user timeout", netbsdOptions, Config{Idle: 10 * time.Minute, Interval: 10 * s, Count: 3}, 350 * s,
			Config{Idle: 300 * s, Interval: 10 * s, Count: 33}},
		{"no middlebox", linuxOptions, Config{Idle: 2 * time.Hour}, 0, Config{Idle: 2 * time.Hour}},
		{"invalid Config unchanged", linuxOptions, Config{Idle: -2}, 5 * s, Config{Idle: -2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.c.underFor(tt.table, tt.idle)
			assert.Equal(t, tt.want, got, "got %v", got)
		})
	}
}

// TestUnderPromises checks, for many Configs and idle timeouts, what
// Under promises: a valid Config, probes within the budget, a bound no
// longer than c's, and a user timeout that agrees with Count.
func TestUnderPromises(t *testing.T) {
	s := time.Second
	var configs []Config
	for _, d := range []time.Duration{3 * s, 10 * s, 30 * s, 2 * time.Minute, 10 * time.Minute, time.Hour} {
		configs = append(configs, withinFor(linuxOptions, d))
	}
	configs = append(configs, Config{}, Config{UserTimeout: 20 * s}, Config{Idle: 2 * time.Hour, Interval: 75 * s, Count: 9},
		Config{Idle: 30 * s, Interval: 5 * s, Count: 3, UserTimeout: 45 * s}, Config{Idle: s, Interval: 30 * s, Count: 1},
		Config{Idle: 300 * s, Interval: 1 * s, Count: 1, UserTimeout: 100 * time.Millisecond})
	for _, c := range configs {
		for _, idle := range []time.Duration{MinUnder, 4 * s, 5 * s, 7 * s, 30 * s, 60 * s, 240 * s, 350 * s, 600 * s, 1200 * s, 6000 * s} {
			u := c.underFor(linuxOptions, idle)
			require.NoError(t, u.validateFor(linuxOptions), "%v.Under(%v) = %v", c, idle, u)
			r, ru := c.resolvedFor(linuxOptions, Config{}), u.resolvedFor(linuxOptions, Config{})
			assert.LessOrEqual(t, ru.bound(), r.bound(), "%v.Under(%v) = %v: bound above c's", c, idle, u)
			// Fired 1/8 late, a retry after a lost probe still comes 1s
			// before the middlebox forgets.
			assert.LessOrEqual(t, (ru.Idle+ru.Interval)*9/8, idle-underSlack, "%v.Under(%v) = %v", c, idle, u)
			if r.UserTimeout > 0 {
				assert.LessOrEqual(t, ru.UserTimeout, r.UserTimeout, "%v.Under(%v) = %v", c, idle, u)
			}
			if r.probes() == r.Count || u != c {
				assert.Equal(t, ru.probes(), ru.Count, "%v.Under(%v) = %v: incoherent", c, idle, u)
			}
			if r.Idle+r.Interval <= (idle-underSlack)*8/9 {
				assert.Equal(t, c, u, "a Config that fits is returned as it is")
			}
		}
	}
}

func TestUnderUnsupported(t *testing.T) {
	assert.ErrorIs(t, Config{}.underFor(openbsdOptions, time.Minute).validateFor(openbsdOptions), errors.ErrUnsupported)
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

package keepalive

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestSystemForFixedCount: where the system fixes the probe count
// (Windows before 10 1703: ten probes), Timeout, Coherent and Under all
// count that many, whatever the running system's own default count is.
func TestSystemForFixedCount(t *testing.T) {
	s := time.Second
	legacy := windowsFor(false, false, true)
	for _, tt := range []struct {
		name  string
		table *sockopts
		c     Config
		under time.Duration // 0: withSystemFor
		want  Config
	}{
		{"Go's defaults resolve to ten probes", legacy, Config{}, 0,
			Config{Idle: 15 * s, Interval: 15 * s, Count: 10}},
		{"idle and interval resolve to ten probes", legacy, Config{Idle: 30 * s, Interval: 5 * s, UserTimeout: time.Minute}, 0,
			Config{Idle: 30 * s, Interval: 5 * s, Count: 10, UserTimeout: time.Minute}},
		{"Under caps the user timeout at idle + ten intervals", legacy, Config{Idle: 10 * time.Minute, Interval: 10 * s, UserTimeout: 20 * time.Minute}, 350 * s,
			Config{Idle: 300 * s, Interval: 10 * s, UserTimeout: 400 * s}},
		{"with TCP_KEEPCNT (1703) the count is set, not fixed", windowsFor(false, true, true), Config{Idle: 10 * time.Minute, Interval: 10 * s, Count: 3}, 350 * s,
			Config{Idle: 300 * s, Interval: 10 * s, Count: 33}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got Config
			if tt.under > 0 {
				got = tt.c.underFor(tt.table, tt.under)
			} else {
				got = tt.c.withSystemFor(tt.table)
			}
			assert.Equal(t, tt.want, got, "got %v", got)
		})
	}
}

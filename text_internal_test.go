package keepalive

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

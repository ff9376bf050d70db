package keepalive

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tables of every system are checked here, on whatever system runs
// the tests: a wrong unit or limit fails one of these cases.

func TestTableUnits(t *testing.T) {
	tests := []struct {
		name  string
		opt   sockopt
		given time.Duration
		want  int64
	}{
		{"linux idle rounds up to seconds", linuxOptions.idle, 1500 * time.Millisecond, 2},
		{"linux user timeout in milliseconds", linuxOptions.userTimeout, 20 * time.Second, 20000},
		{"darwin idle is TCP_KEEPALIVE in seconds", darwinOptions.idle, 30 * time.Second, 30},
		{"darwin conndroptime in seconds", darwinOptions.userTimeout, 1500 * time.Millisecond, 2},
		{"freebsd maxunacktime in seconds", freebsdOptions.userTimeout, 45 * time.Second, 45},
		{"netbsd idle in 500ms slow ticks", netbsdOptions.idle, 15 * time.Second, 30},
		{"netbsd interval rounds up to a tick", netbsdOptions.interval, 1200 * time.Millisecond, 3},
		{"dragonfly 5.8 idle in seconds", dragonflyOptions.idle, 15 * time.Second, 15},
		{"dragonfly before 5.8 idle in milliseconds", dragonflyMillisOptions.idle, 15 * time.Second, 15000},
		{"dragonfly before 5.8 interval in milliseconds", dragonflyMillisOptions.interval, 1500 * time.Microsecond, 2},
		{"illumos abort threshold in milliseconds", illumosOptions.userTimeout, 20 * time.Second, 20000},
		{"solaris 11.4 idle in seconds", solarisOptions.idle, 10 * time.Second, 10},
		{"solaris before 11.4 idle threshold in milliseconds", solarisLegacyOptions.idle, 10 * time.Second, 10000},
		{"windows idle in seconds", windowsOptions.idle, 2 * time.Hour, 7200},
		{"windows maxrt in seconds", windowsOptions.userTimeout, 500 * time.Millisecond, 1},
		{"windows before 1709 idle in milliseconds", windowsLegacyOptions.idle, 2 * time.Hour, 7200000},
		{"plan9 keepalive period in milliseconds", plan9Options.idle, 15 * time.Second, 15000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.opt.value(tt.given)
			assert.Equal(t, tt.want, got)
			// Reading the value back gives the rounded duration.
			assert.Equal(t, roundUp(tt.given, tt.opt.unit), tt.opt.duration(got))
		})
	}
}

func TestTableLimits(t *testing.T) {
	tests := []struct {
		name  string
		table *sockopts
		c     Config
		field string // "" when valid
		limit string
		unsup bool // wraps errors.ErrUnsupported
	}{
		{"linux count 127", linuxOptions, Config{Count: 127}, "", "", false},
		{"linux count 128", linuxOptions, Config{Count: 128}, "Count", "outside 1–127, the range of TCP_KEEPCNT on linux", false},
		{"darwin idle at UINT32_MAX/1000 s", darwinOptions, Config{Idle: 4294967 * time.Second}, "", "", false},
		{"darwin idle above", darwinOptions, Config{Idle: 4294968 * time.Second}, "Idle", "above 4294967 s, the limit of TCP_KEEPALIVE on darwin", false},
		{"darwin user timeout", darwinOptions, Config{UserTimeout: 30 * time.Second}, "", "", false},
		{"freebsd user timeout", freebsdOptions, Config{UserTimeout: 30 * time.Second}, "", "", false},
		{"netbsd user timeout", netbsdOptions, Config{UserTimeout: time.Second}, "UserTimeout", "netbsd has no user timeout", true},
		{"netbsd idle at INT_MAX/500 ticks", netbsdOptions, Config{Idle: 4294967 * 500 * time.Millisecond}, "", "", false},
		{"netbsd idle above", netbsdOptions, Config{Idle: 4294968 * 500 * time.Millisecond}, "Idle", "above 4294967 ticks of 500 ms, the limit of TCP_KEEPIDLE on netbsd", false},
		{"dragonfly before 5.8 idle at INT_MAX ms", dragonflyMillisOptions, Config{Idle: maxInt32 * time.Millisecond}, "", "", false},
		{"dragonfly before 5.8 idle above", dragonflyMillisOptions, Config{Idle: (maxInt32 + 1) * time.Millisecond}, "Idle", "above 2147483647 ms (2³¹−1), the limit of TCP_KEEPIDLE on dragonfly", false},
		{"openbsd default config", openbsdOptions, Config{}, "", "", false},
		{"openbsd idle", openbsdOptions, Config{Idle: 10 * time.Second}, "Idle", "system-wide", true},
		{"openbsd count", openbsdOptions, Config{Count: 3}, "Count", "system-wide", true},
		{"illumos idle 1s (tcp_tunables.c, OS-4686)", illumosOptions, Config{Idle: time.Second}, "", "", false},
		{"illumos idle above 10 days", illumosOptions, Config{Idle: 864001 * time.Second}, "Idle", "above 864000 s, the limit of TCP_KEEPIDLE on illumos", false},
		{"illumos interval*count at the abort bound", illumosOptions, Config{Interval: 60 * time.Second, Count: 71582}, "", "", false},
		{"illumos interval*count above the abort bound", illumosOptions, Config{Interval: 60 * time.Second, Count: 71583}, "Count", "Interval*Count above 4294967295 ms (2³²−1), the kernel's keep-alive abort bound on illumos", false},
		{"illumos count above the abort bound at Go's interval", illumosOptions, Config{Count: 286332}, "Count", "abort bound", false},
		{"illumos count with the system's interval", illumosOptions, Config{Interval: System, Count: maxInt32}, "", "", false},
		{"illumos interval 60s", illumosOptions, Config{Interval: 60 * time.Second}, "", "", false},
		{"illumos interval 61s", illumosOptions, Config{Interval: 61 * time.Second}, "Interval", "above 60 s, the limit of TCP_KEEPINTVL on illumos", false},
		{"solaris interval below 10s", solarisOptions, Config{Interval: 5 * time.Second}, "Interval", "outside 10–864000 s, the range of TCP_KEEPINTVL on solaris", false},
		{"solaris before 11.4 interval", solarisLegacyOptions, Config{Interval: 10 * time.Second}, "Interval", "before 11.4", true},
		{"solaris before 11.4 idle below 10s", solarisLegacyOptions, Config{Idle: 9999 * time.Millisecond}, "Idle", "outside 10000–864000000 ms, the range of TCP_KEEPALIVE_THRESHOLD on solaris", false},
		{"windows count 255", windowsOptions, Config{Count: 255}, "", "", false},
		{"windows count 256", windowsOptions, Config{Count: 256}, "Count", "outside 1–255, the range of TCP_KEEPCNT on windows", false},
		{"windows before 1703 count", windowsFor(false, false, true), Config{Count: 5}, "Count", "fixes the probe count at 10", true},
		{"windows 1703 count", windowsFor(false, true, true), Config{Count: 5}, "", "", false},
		{"windows refusing TCP_MAXRT (Wine)", windowsFor(false, false, false), Config{UserTimeout: time.Second}, "UserTimeout", "refuses TCP_MAXRT", true},
		{"windows the largest timers", windowsOptions, Config{Idle: maxInt32 * time.Second, Interval: maxInt32 * time.Second, Count: 3}, "", "", false},
		{"windows the largest timers and count overflow", windowsOptions, Config{Idle: maxInt32 * time.Second, Interval: maxInt32 * time.Second, Count: 4}, "Timeout", "overflows time.Duration", false},
		{"windows before 1709 idle alone (Windows' 2h written)", windowsFor(false, false, true), Config{Idle: System}, "", "", false},
		{"windows before 1709 both left", windowsFor(false, false, true), Config{Idle: System, Interval: System}, "", "", false},
		{"aix count", aixOptions, Config{Count: 5}, "", "", false},
		{"aix idle", aixOptions, Config{Idle: time.Minute}, "Idle", "not settled", true},
		{"plan9 interval", plan9Options, Config{Interval: time.Second}, "Interval", "ctl file", true},
		{"js anything", noOptions("js"), Config{Idle: time.Second}, "Idle", "js has no TCP socket options", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.validateFor(tt.table)
			if tt.field == "" {
				assert.NoError(t, err)
				return
			}
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, ce.Field)
			assert.Contains(t, ce.Limit, tt.limit)
			assert.Equal(t, tt.unsup, errors.Is(err, errors.ErrUnsupported))
		})
	}
}

// TestTableForEverySystem: each GOOS gets its own table (android
// Linux's, ios darwin's), one without options where Go has no TCP
// options.
func TestTableForEverySystem(t *testing.T) {
	for goos, want := range map[string]string{
		"linux": "linux", "android": "linux", "darwin": "darwin", "ios": "darwin", "freebsd": "freebsd",
		"netbsd": "netbsd", "dragonfly": "dragonfly", "openbsd": "openbsd", "illumos": "illumos",
		"solaris": "solaris", "aix": "aix", "plan9": "plan9", "js": "js", "wasip1": "wasip1",
	} {
		assert.Equal(t, want, tableFor(goos, "").os, "%s", goos)
	}
	assert.False(t, tableFor("js", "").keepAlive.exists())
	assert.Same(t, linuxOptions, tableFor("android", ""))
	assert.Same(t, darwinOptions, tableFor("ios", ""))
}

func TestTableChoice(t *testing.T) {
	tests := []struct {
		name string
		got  *sockopts
		want *sockopts
	}{
		{"dragonfly 5.6", tableFor("dragonfly", "500600"), dragonflyMillisOptions},
		{"dragonfly 5.7 before the change", tableFor("dragonfly", "500701"), dragonflyMillisOptions},
		{"dragonfly 5.7 development patch 2", tableFor("dragonfly", "500702"), dragonflyOptions},
		{"dragonfly 6.4", tableFor("dragonfly", "600400"), dragonflyOptions},
		{"dragonfly unreadable", tableFor("dragonfly", ""), dragonflyOptions},
		{"solaris 11.4", tableFor("solaris", "11.4.0.15.0"), solarisOptions},
		{"solaris 11.3", tableFor("solaris", "11.3"), solarisLegacyOptions},
		{"solaris 12", tableFor("solaris", "12.0"), solarisOptions},
		{"solaris unreadable", tableFor("solaris", ""), solarisLegacyOptions},
		{"windows 1709", windowsFor(true, true, true), windowsOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Same(t, tt.want, tt.got)
		})
	}
	legacy := windowsFor(false, false, true)
	assert.True(t, legacy.ioctl)
	assert.Equal(t, 10, legacy.fixedCount)
	assert.True(t, legacy.userTimeout.exists())
	wine := windowsFor(false, false, false)
	assert.False(t, wine.userTimeout.exists(), "Wine 8.0 refuses TCP_MAXRT")
	assert.True(t, windowsOptions.userTimeout.exists(), "windowsFor must not change the shared table")
	assert.False(t, legacy.readBack, "SIO_KEEPALIVE_VALS cannot be read back")
	assert.False(t, legacy.count.exists())
	with1703 := windowsFor(false, true, true)
	assert.True(t, with1703.ioctl)
	assert.Equal(t, windowsOptions.count, with1703.count)
	assert.Zero(t, with1703.fixedCount)
	assert.False(t, windowsLegacyOptions.count.exists(), "windowsFor must not change the shared table")
}

// TestResolvedWithoutOption: where a system lacks an option, a zero
// field is the system's value, as docs/systems.md documents.
func TestResolvedWithoutOption(t *testing.T) {
	r := Config{}.resolvedFor(openbsdOptions, Config{})
	assert.Equal(t, Config{Idle: System, Interval: System, Count: System}, r)
	r = Config{}.resolvedFor(windowsFor(false, false, true), Config{})
	assert.Equal(t, Config{Idle: defaultIdle, Interval: defaultInterval, Count: System}, r)
}

// allTables is every table the library has, each under its own name.
func allTables() []struct {
	name  string
	table *sockopts
} {
	return []struct {
		name  string
		table *sockopts
	}{
		{"linux", linuxOptions}, {"darwin", darwinOptions}, {"freebsd", freebsdOptions},
		{"netbsd", netbsdOptions}, {"dragonfly", dragonflyOptions}, {"dragonfly before 5.8", dragonflyMillisOptions},
		{"openbsd", openbsdOptions}, {"illumos", illumosOptions}, {"solaris", solarisOptions},
		{"solaris before 11.4", solarisLegacyOptions}, {"aix", aixOptions}, {"windows", windowsOptions},
		{"windows before 1709", windowsFor(false, true, true)}, {"windows before 1703", windowsFor(false, false, true)},
		{"windows under wine", windowsFor(false, false, false)}, {"plan9", plan9Options}, {"js", noOptions("js")},
	}
}

// TestSystemAndZeroValidEverywhere: every Config made of zero and System
// fields is valid on every table, with a bound that does not overflow.
func TestSystemAndZeroValidEverywhere(t *testing.T) {
	for _, tt := range allTables() {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 16 {
				pick := func(bit int) int {
					if i&(1<<bit) != 0 {
						return System
					}
					return 0
				}
				c := Config{Idle: time.Duration(pick(0)), Interval: time.Duration(pick(1)), Count: pick(2), UserTimeout: time.Duration(pick(3))}
				assert.NoError(t, c.validateFor(tt.table), "%#v", c)
			}
		})
	}
}

// TestTimeoutOverflow uses limits no Linux kernel has: on Linux the
// field limits keep the bound far from overflowing.
func TestTimeoutOverflow(t *testing.T) {
	huge := &sockopts{
		os:       "test",
		idle:     sockopt{name: "idle", unit: time.Nanosecond, min: 1, max: math.MaxInt64},
		interval: sockopt{name: "interval", unit: time.Nanosecond, min: 1, max: math.MaxInt64},
		count:    sockopt{name: "count", min: 1, max: math.MaxInt32},
	}
	err := Config{Idle: time.Hour, Interval: 1 << 40, Count: 1 << 30}.validateFor(huge)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "Timeout", ce.Field)
	assert.Contains(t, err.Error(), "overflows")
	assert.NoError(t, Config{Idle: time.Hour, Interval: time.Hour, Count: 1000}.validateFor(huge))
	// System fields are the system's, which the kernel keeps within its
	// own limits: they never make a Config invalid.
	assert.NoError(t, Config{Idle: System, Interval: System, Count: System}.validateFor(huge))
	assert.NoError(t, Config{Idle: time.Hour, Interval: 1 << 40, Count: System}.validateFor(huge))
	assert.NoError(t, Config{Idle: 32767 * time.Second, Interval: 32767 * time.Second, Count: 127}.validateFor(linuxOptions))
}

func TestNoUserTimeoutPlatform(t *testing.T) {
	err := Config{UserTimeout: time.Second}.validateFor(plan9Options)
	assert.ErrorIs(t, err, errors.ErrUnsupported)
	assert.Contains(t, err.Error(), "plan9 has no user timeout")
}

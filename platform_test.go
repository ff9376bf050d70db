package keepalive

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

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

// TestKeepaliveVals pins struct tcp_keepalive (mstcpip.h): three ULONGs,
// onoff, keepalivetime and keepaliveinterval, in milliseconds.
func TestKeepaliveVals(t *testing.T) {
	var v tcpKeepalive
	assert.Equal(t, uintptr(12), unsafe.Sizeof(v))
	assert.Equal(t, uintptr(0), unsafe.Offsetof(v.OnOff))
	assert.Equal(t, uintptr(4), unsafe.Offsetof(v.Time))
	assert.Equal(t, uintptr(8), unsafe.Offsetof(v.Interval))

	legacy := windowsFor(false, false, true)
	tests := []struct {
		name string
		c    Config
		want tcpKeepalive
	}{
		{"Go's defaults", Config{}, tcpKeepalive{1, 15000, 15000}},
		{"rounded up to milliseconds", Config{Idle: 30 * time.Second, Interval: 1500500 * time.Microsecond}, tcpKeepalive{1, 30000, 1501}},
		{"the largest", Config{Idle: maxUint32 * time.Millisecond, Interval: time.Millisecond}, tcpKeepalive{1, maxUint32, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, tt.c.validateFor(legacy))
			assert.Equal(t, tt.want, keepaliveVals(legacy, tt.c.resolvedFor(legacy, Config{})))
		})
	}
}

// TestFreeBSDTCPInfo pins freebsdTCPInfo to struct tcp_info of FreeBSD's
// sys/netinet/tcp.h (current header; see freebsdTCPInfo): each named
// field's offset as the C compiler lays it out, and the size, 236 bytes
// of fields and padding, rounded up to 240 where the u_int64_t
// tcpi_total_tlp_bytes aligns on 8 bytes. (32-bit arm: C aligns it on 8,
// Go on 4; the kernel copies what fits, and the fields read come first.)
func TestFreeBSDTCPInfo(t *testing.T) {
	var v freebsdTCPInfo
	size := uintptr(236)
	if unsafe.Alignof(v.TotalTLPBytes) == 8 {
		size = 240
	}
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"sizeof", unsafe.Sizeof(v), size},
		{"tcpi_state", unsafe.Offsetof(v.State), 0},
		{"tcpi_options", unsafe.Offsetof(v.Options), 5},
		{"tcpi_snd_wscale, tcpi_rcv_wscale", unsafe.Offsetof(v.Wscale), 6},
		{"tcpi_rto", unsafe.Offsetof(v.Rto), 8},
		{"tcpi_snd_mss", unsafe.Offsetof(v.SndMss), 16},
		{"tcpi_rcv_mss", unsafe.Offsetof(v.RcvMss), 20},
		{"tcpi_last_data_recv", unsafe.Offsetof(v.LastDataRecv), 52},
		{"tcpi_rtt", unsafe.Offsetof(v.Rtt), 68},
		{"tcpi_rttvar", unsafe.Offsetof(v.Rttvar), 72},
		{"tcpi_snd_ssthresh", unsafe.Offsetof(v.SndSsthresh), 76},
		{"tcpi_snd_cwnd", unsafe.Offsetof(v.SndCwnd), 80},
		{"tcpi_rcv_space", unsafe.Offsetof(v.RcvSpace), 96},
		{"tcpi_snd_wnd", unsafe.Offsetof(v.SndWnd), 100},
		{"tcpi_snd_bwnd", unsafe.Offsetof(v.SndBwnd), 104},
		{"tcpi_snd_nxt", unsafe.Offsetof(v.SndNxt), 108},
		{"tcpi_rcv_nxt", unsafe.Offsetof(v.RcvNxt), 112},
		{"tcpi_toe_tid", unsafe.Offsetof(v.ToeTid), 116},
		{"tcpi_snd_rexmitpack", unsafe.Offsetof(v.SndRexmitpack), 120},
		{"tcpi_rcv_ooopack", unsafe.Offsetof(v.RcvOoopack), 124},
		{"tcpi_snd_zerowin", unsafe.Offsetof(v.SndZerowin), 128},
		{"tcpi_delivered_ce", unsafe.Offsetof(v.DeliveredCE), 132},
		{"tcpi_received_ce", unsafe.Offsetof(v.ReceivedCE), 136},
		{"tcpi_total_tlp", unsafe.Offsetof(v.TotalTLP), 164},
		{"tcpi_total_tlp_bytes", unsafe.Offsetof(v.TotalTLPBytes), 168},
		{"tcpi_snd_una", unsafe.Offsetof(v.SndUna), 176},
		{"tcpi_snd_max", unsafe.Offsetof(v.SndMax), 180},
		{"tcpi_rcv_numsacks", unsafe.Offsetof(v.RcvNumsacks), 184},
		{"tcpi_rcv_adv", unsafe.Offsetof(v.RcvAdv), 188},
		{"tcpi_dupacks", unsafe.Offsetof(v.Dupacks), 192},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.got)
		})
	}
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

// TestStringEverywhere is the text form on each system: rounded to the
// system's units, with what the system lacks reading "system".
func TestStringEverywhere(t *testing.T) {
	full := Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}
	odd := Config{Idle: 1500 * time.Millisecond, UserTimeout: 1500 * time.Microsecond}
	allSystem := Config{Idle: System, Interval: System, Count: System, UserTimeout: System}
	tests := []struct {
		table           *sockopts
		zero, full, odd string
	}{
		{linuxOptions, "idle=15s,interval=15s,count=9", "idle=30s,interval=5s,count=3,user-timeout=45s", "idle=2s,interval=15s,count=9,user-timeout=2ms"},
		{darwinOptions, "idle=15s,interval=15s,count=9", "", "idle=2s,interval=15s,count=9,user-timeout=1s"},
		{freebsdOptions, "", "", "idle=2s,interval=15s,count=9,user-timeout=1s"},
		{netbsdOptions, "", "", "idle=1.5s,interval=15s,count=9,user-timeout=1s"},
		{dragonflyMillisOptions, "", "", "idle=1.5s,interval=15s,count=9,user-timeout=1s"},
		{openbsdOptions, "idle=system,interval=system,count=system", "", ""},
		{illumosOptions, "", "", "idle=2s,interval=15s,count=9,user-timeout=2ms"},
		{solarisLegacyOptions, "idle=15s,interval=system,count=system", "idle=30s,interval=5s,count=3,user-timeout=45s", "idle=1.5s,interval=system,count=system,user-timeout=2ms"},
		{aixOptions, "idle=system,interval=system,count=9", "", ""},
		{windowsOptions, "", "", "idle=2s,interval=15s,count=9,user-timeout=1s"},
		{windowsFor(false, false, true), "idle=15s,interval=15s,count=system", "", "idle=1.5s,interval=15s,count=system,user-timeout=1s"},
		{plan9Options, "idle=15s,interval=system,count=system", "", "idle=1.5s,interval=system,count=system,user-timeout=1s"},
	}
	for _, tt := range tests {
		t.Run(tt.table.os, func(t *testing.T) {
			check := func(c Config, want string) {
				t.Helper()
				if want != "" {
					assert.Equal(t, want, c.stringFor(tt.table))
				}
			}
			check(Config{}, tt.zero)
			check(full, tt.full)
			check(odd, tt.odd)
			check(allSystem, "idle=system,interval=system,count=system,user-timeout=system")
		})
	}
}

// TestListenConfigFor checks how ListenConfig sets up each system: on
// the listening socket where accepted sockets inherit every option, else
// through Go's per-accept keep-alive, refusing a user timeout that would
// not reach accepted connections.
func TestListenConfigFor(t *testing.T) {
	withUT := Config{Idle: 37 * time.Second, Interval: 11 * time.Second, Count: 4, UserTimeout: 23 * time.Second}
	noUT := withUT
	noUT.UserTimeout = 0
	tests := []struct {
		name      string
		table     *sockopts
		c         Config
		onSocket  bool // set once on the listening socket
		refusesUT bool
	}{
		{"linux inherits everything", linuxOptions, withUT, true, false},
		{"freebsd inherits the keep-alive timers", freebsdOptions, noUT, true, false},
		{"freebsd does not copy TCP_MAXUNACKTIME", freebsdOptions, withUT, false, true},
		{"darwin does not copy the idle time", darwinOptions, noUT, false, false},
		{"darwin does not copy TCP_RXT_CONNDROPTIME", darwinOptions, withUT, false, true},
		{"darwin leaving idle to the system", darwinOptions, Config{Idle: System, Interval: 11 * time.Second, Count: 4}, true, false},
		{"netbsd", netbsdOptions, noUT, false, false},
		{"illumos inherits everything (tcp_init_values)", illumosOptions, withUT, true, false},
		{"dragonfly inherits the keep-alive options (tcp(4))", dragonflyOptions, noUT, true, false},
		{"windows", windowsOptions, withUT, false, true},
		{"openbsd copies SO_KEEPALIVE", openbsdOptions, Config{}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lc := &net.ListenConfig{}
			configureListenConfig(tt.table, lc, tt.c)
			if tt.onSocket {
				assert.Equal(t, time.Duration(-1), lc.KeepAlive, "Go's per-accept keep-alive off")
				assert.Equal(t, net.KeepAliveConfig{}, lc.KeepAliveConfig)
				return
			}
			assert.Zero(t, lc.KeepAlive)
			assert.Equal(t, goConfigFor(tt.table, tt.c), lc.KeepAliveConfig)
			require.NotNil(t, lc.Control)
			err := lc.Control("tcp", "127.0.0.1:0", nil)
			if !tt.refusesUT {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, errors.ErrUnsupported)
			assert.ErrorContains(t, err, tt.table.userTimeout.name)
			assert.ErrorContains(t, err, "use WrapListener")
			assert.NoError(t, lc.Control("udp", "127.0.0.1:0", nil), "other networks are left alone")
		})
	}
	// NetBSD's listener hands Go doubled durations: Go writes seconds
	// into options that count 500ms ticks.
	lc := &net.ListenConfig{}
	configureListenConfig(netbsdOptions, lc, noUT)
	assert.Equal(t, 74*time.Second, lc.KeepAliveConfig.Idle)
	assert.Equal(t, 22*time.Second, lc.KeepAliveConfig.Interval)
}

// TestTablesMatchXSys checks the option numbers the tables write
// themselves, where golang.org/x/sys has none or a wrong one (every other
// number comes from x/sys, in the options file of each system), against the constants
// that x/sys and Go's net define for those systems: the packages' files
// as the go command selects them for each GOOS/GOARCH.
func TestTablesMatchXSys(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command to find golang.org/x/sys's source; CI has it")
	}

	// FreeBSD's TCP_MAXUNACKTIME (sys/netinet/tcp.h: 68): x/sys has it
	// for riscv64 only, with the number the table holds.
	riscv := packageConsts(t, "golang.org/x/sys/unix", "freebsd", "riscv64")
	require.Contains(t, riscv, "TCP_MAXUNACKTIME")
	assert.Equal(t, riscv["TCP_MAXUNACKTIME"], int64(freebsdOptions.userTimeout.num))
	assert.Equal(t, ipprotoTCP, freebsdOptions.userTimeout.level)
	assert.Equal(t, riscv["IPPROTO_TCP"], int64(ipprotoTCP))
	for _, arch := range []string{"amd64", "arm64"} {
		assert.NotContains(t, packageConsts(t, "golang.org/x/sys/unix", "freebsd", arch), "TCP_MAXUNACKTIME",
			"x/sys now has TCP_MAXUNACKTIME for freebsd/%s: the table's number must match it", arch)
	}

	// Oracle Solaris 11.4: x/sys gives illumos's numbers, which Oracle
	// Solaris 11.4 uses for other options; the table has Go's
	// (net/tcpsockopt_solaris.go: sysTCP_KEEPIDLE and the others).
	sol := packageConsts(t, "golang.org/x/sys/unix", "solaris", "amd64")
	goNet := packageConsts(t, "net", "solaris", "amd64")
	for _, o := range []sockopt{solarisOptions.idle, solarisOptions.interval, solarisOptions.count} {
		require.Contains(t, sol, o.name)
		assert.NotEqual(t, sol[o.name], int64(o.num), "%s: illumos's number", o.name)
		require.Contains(t, goNet, "sys"+o.name)
		assert.Equal(t, goNet["sys"+o.name], int64(o.num), "%s: Go's number", o.name)
		assert.Equal(t, ipprotoTCP, o.level)
	}
}

// packageConsts returns the integer constants that a package's files
// define for goos/goarch, as the go command selects the files.
func packageConsts(t *testing.T, pkg, goos, goarch string) map[string]int64 {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.Dir}}{{range .GoFiles}} {{.}}{{end}}", pkg)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
	out, err := cmd.Output()
	require.NoError(t, err, "go list %s for %s/%s", pkg, goos, goarch)
	fields := strings.Fields(string(out))
	require.Greater(t, len(fields), 1, "go list %s for %s/%s: no files", pkg, goos, goarch)
	consts := map[string]int64{}
	for _, name := range fields[1:] {
		maps.Copy(consts, readConsts(t, filepath.Join(fields[0], name)))
	}
	return consts
}

// TestNativeNumbers: native fills the numbers a table lacks and keeps
// the ones it has.
func TestNativeNumbers(t *testing.T) {
	n := optionNumbers{solSocket: 0xffff, soKeepAlive: 8, ipprotoTCP: 6, idle: 0x22, interval: 0x24, count: 0x23, userTimeout: 0x11}
	sol := solarisOptions.native(n)
	assert.Equal(t, 0x1D, sol.idle.num, "the table's own number stays")
	assert.Equal(t, [2]int{0xffff, 8}, [2]int{sol.keepAlive.level, sol.keepAlive.num})
	linux := linuxOptions.native(n)
	assert.Equal(t, 0x11, linux.userTimeout.num)
	assert.Zero(t, linuxOptions.userTimeout.num, "native must not change the shared table")
	legacy := windowsFor(false, false, true).native(n)
	assert.Zero(t, legacy.idle.num, "SIO_KEEPALIVE_VALS is no socket option")
	assert.Equal(t, 0x11, legacy.userTimeout.num)
	assert.Zero(t, openbsdOptions.native(n).count.num, "an option the system lacks stays absent")
}

// TestTableNumbers checks the numbers every table holds (all but
// Linux's and Windows', which take theirs from golang.org/x/sys at build
// time) against the constants x/sys defines, under the option's own name,
// for each architecture of the system that Go and x/sys support.
func TestTableNumbers(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command to find golang.org/x/sys's source; CI has it")
	}
	// The numbers TestTablesMatchXSys checks against their sources.
	own := map[*sockopts][]sockopt{
		freebsdOptions: {freebsdOptions.userTimeout},
		solarisOptions: {solarisOptions.idle, solarisOptions.interval, solarisOptions.count},
	}
	for _, tc := range []struct {
		name   string
		tables []*sockopts
		arches []string
	}{
		{"darwin", []*sockopts{darwinOptions}, []string{"amd64", "arm64"}},
		{"freebsd", []*sockopts{freebsdOptions}, []string{"386", "amd64", "arm", "arm64", "riscv64"}},
		{"netbsd", []*sockopts{netbsdOptions}, []string{"386", "amd64", "arm", "arm64"}},
		{"dragonfly", []*sockopts{dragonflyOptions, dragonflyMillisOptions}, []string{"amd64"}},
		{"openbsd", []*sockopts{openbsdOptions}, []string{"amd64"}},
		{"illumos", []*sockopts{illumosOptions}, []string{"amd64"}},
		{"solaris", []*sockopts{solarisOptions, solarisLegacyOptions}, []string{"amd64"}},
		{"aix", []*sockopts{aixOptions}, []string{"ppc64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, arch := range tc.arches {
				consts := packageConsts(t, "golang.org/x/sys/unix", tc.name, arch)
				for _, table := range tc.tables {
					for _, o := range []sockopt{table.idle, table.interval, table.count, table.userTimeout} {
						if !o.exists() || slices.Contains(own[table], o) {
							continue
						}
						require.Contains(t, consts, o.name, "%s/%s", tc.name, arch)
						assert.Equal(t, consts[o.name], int64(o.num), "%s/%s %s", tc.name, arch, o.name)
						assert.Equal(t, consts["IPPROTO_TCP"], int64(o.level), "%s/%s %s", tc.name, arch, o.name)
					}
				}
			}
		})
	}
}

// readConsts returns the integer constants a Go file defines, following
// one name to another within the file (windows: TCP_KEEPIDLE =
// TCP_KEEPALIVE).
func readConsts(t *testing.T, path string) map[string]int64 {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	require.NoError(t, err)
	exprs := map[string]ast.Expr{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					exprs[name.Name] = vs.Values[i]
				}
			}
		}
	}
	consts := map[string]int64{}
	var eval func(e ast.Expr, depth int) (int64, bool)
	eval = func(e ast.Expr, depth int) (int64, bool) {
		switch e := e.(type) {
		case *ast.BasicLit:
			v, err := strconv.ParseInt(e.Value, 0, 64)
			return v, err == nil
		case *ast.Ident:
			if next, ok := exprs[e.Name]; ok && depth < 4 {
				return eval(next, depth+1)
			}
		}
		return 0, false
	}
	for name, e := range exprs {
		if v, ok := eval(e, 0); ok {
			consts[name] = v
		}
	}
	return consts
}

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

// A goWrite is one value Go's own keep-alive writes into the kernel.
type goWrite struct {
	option string
	value  int64
}

// A goModel is what (*net.TCPConn).SetKeepAliveConfig of Go 1.26 writes
// on one system, for the fields "idle", "interval", "count" and, on
// Oracle Solaris before 11.4, "abort". It is written from Go's source
// (src/net/tcpsockopt_*.go and tcpsock_*.go) without the library's
// tables: zero is Go's default (15s, 15s, 9), negative leaves the
// setting alone, and Go rounds up to the unit it believes the kernel
// takes.
type goModel func(net.KeepAliveConfig) (map[string]goWrite, error)

func goDefaults(c net.KeepAliveConfig) net.KeepAliveConfig {
	if c.Idle == 0 {
		c.Idle = 15 * time.Second
	}
	if c.Interval == 0 {
		c.Interval = 15 * time.Second
	}
	if c.Count == 0 {
		c.Count = 9
	}
	return c
}

// ceilIn is net's roundDurationUp (tcpsock.go).
func ceilIn(d, unit time.Duration) int64 { return int64((d + unit - 1) / unit) }

// goSeconds: tcpsockopt_unix.go (aix, dragonfly, freebsd, illumos, linux,
// netbsd), tcpsockopt_darwin.go (idle is TCP_KEEPALIVE), Oracle Solaris
// 11.4 in tcpsockopt_solaris.go, and Windows from 10 1709 in
// tcpsockopt_windows.go: whole seconds, rounded up; the count as given.
func goSeconds(idleOption string) goModel {
	return func(c net.KeepAliveConfig) (map[string]goWrite, error) {
		c = goDefaults(c)
		w := map[string]goWrite{}
		if c.Idle > 0 {
			w["idle"] = goWrite{idleOption, ceilIn(c.Idle, time.Second)}
		}
		if c.Interval > 0 {
			w["interval"] = goWrite{"TCP_KEEPINTVL", ceilIn(c.Interval, time.Second)}
		}
		if c.Count > 0 {
			w["count"] = goWrite{"TCP_KEEPCNT", int64(c.Count)}
		}
		return w, nil
	}
}

// goSolarisLegacy: setKeepAliveIdleAndIntervalAndCount in
// tcpsockopt_solaris.go, Oracle Solaris before 11.4.
func goSolarisLegacy(c net.KeepAliveConfig) (map[string]goWrite, error) {
	w := map[string]goWrite{}
	idle := c.Idle
	if idle == 0 {
		idle = 15 * time.Second
	}
	if idle > 0 {
		w["idle"] = goWrite{"TCP_KEEPALIVE_THRESHOLD", ceilIn(idle, time.Millisecond)}
	}
	d := goDefaults(net.KeepAliveConfig{Interval: c.Interval, Count: c.Count})
	abort := ceilIn(d.Interval, time.Millisecond) * int64(d.Count)
	if abort < 0 {
		return nil, errors.New("ENOPROTOOPT")
	}
	if c.Interval < 0 && c.Count < 0 {
		abort = -1
	}
	if abort > 0 {
		w["abort"] = goWrite{"TCP_KEEPALIVE_ABORT_THRESHOLD", abort}
	}
	return w, nil
}

// goWindowsLegacy: setKeepAliveIdleAndInterval in tcpsockopt_windows.go
// (before 10 1709), SIO_KEEPALIVE_VALS in milliseconds, and
// setKeepAliveCount, which writes TCP_KEEPCNT whatever the version.
func goWindowsLegacy(c net.KeepAliveConfig) (map[string]goWrite, error) {
	w := map[string]goWrite{}
	idle, interval := c.Idle, c.Interval
	switch {
	case idle < 0 && interval >= 0:
		return nil, errors.New("WSAENOPROTOOPT")
	case idle >= 0 && interval < 0:
		interval = time.Second
	}
	if idle >= 0 {
		d := goDefaults(net.KeepAliveConfig{Idle: idle, Interval: interval})
		w["idle"] = goWrite{"SIO_KEEPALIVE_VALS", ceilIn(d.Idle, time.Millisecond)}
		w["interval"] = goWrite{"SIO_KEEPALIVE_VALS", ceilIn(d.Interval, time.Millisecond)}
	}
	if n := goDefaults(net.KeepAliveConfig{Count: c.Count}).Count; n > 0 {
		w["count"] = goWrite{"TCP_KEEPCNT", int64(n)}
	}
	return w, nil
}

// goRefuses: tcpsockopt_openbsd.go refuses every non-negative value;
// tcpsockopt_plan9.go writes the idle time in milliseconds, rounded
// down, into the ctl file, and refuses the rest.
func goRefuses(c net.KeepAliveConfig) (map[string]goWrite, error) {
	if c.Idle >= 0 || c.Interval >= 0 || c.Count >= 0 {
		return nil, errors.New("ENOPROTOOPT")
	}
	return map[string]goWrite{}, nil
}

func goPlan9(c net.KeepAliveConfig) (map[string]goWrite, error) {
	if c.Interval >= 0 || c.Count >= 0 {
		return nil, errors.New("EPLAN9")
	}
	w := map[string]goWrite{}
	if c.Idle >= 0 {
		w["idle"] = goWrite{"ctl keepalive", int64(c.Idle / time.Millisecond)}
	}
	return w, nil
}

// TestGoConfigFor: what the library hands Go's own keep-alive (where it
// leaves the setting to Go: Listen's listener, options_other.go) makes
// Go write, on each system as Go's source has it, the value each table
// means the kernel to hold, read in the kernel's own unit; what the
// Config leaves to the system, Go leaves alone. (js and wasip1 are not
// here: the library never calls Go there, having no options.)
func TestGoConfigFor(t *testing.T) {
	systems := []struct {
		name  string
		table *sockopts
		goes  goModel
	}{
		{"linux", linuxOptions, goSeconds("TCP_KEEPIDLE")},
		{"darwin", darwinOptions, goSeconds("TCP_KEEPALIVE")},
		{"freebsd", freebsdOptions, goSeconds("TCP_KEEPIDLE")},
		{"netbsd", netbsdOptions, goSeconds("TCP_KEEPIDLE")},
		{"dragonfly", dragonflyOptions, goSeconds("TCP_KEEPIDLE")},
		{"dragonfly before 5.8", dragonflyMillisOptions, goSeconds("TCP_KEEPIDLE")},
		{"openbsd", openbsdOptions, goRefuses},
		{"illumos", illumosOptions, goSeconds("TCP_KEEPIDLE")},
		{"solaris", solarisOptions, goSeconds("TCP_KEEPIDLE")},
		{"solaris before 11.4", solarisLegacyOptions, goSolarisLegacy},
		{"aix", aixOptions, goSeconds("TCP_KEEPIDLE")},
		{"windows", windowsOptions, goSeconds("TCP_KEEPIDLE")},
		{"windows before 1709", windowsFor(false, true, true), goWindowsLegacy},
		{"windows before 1703", windowsFor(false, false, true), goWindowsLegacy},
		{"plan9", plan9Options, goPlan9},
	}
	configs := []Config{
		{},
		{Idle: 10 * time.Second, Interval: 10 * time.Second, Count: 3},
		{Idle: 12345 * time.Millisecond, Interval: 1500 * time.Millisecond, Count: 5},
		{Idle: 20 * time.Second, Interval: System, Count: 4},
		{Idle: System, Interval: 20 * time.Second, Count: System},
		{Idle: System, Interval: System, Count: System},
	}
	for _, sys := range systems {
		for _, c := range configs {
			if c.validateFor(sys.table) != nil {
				continue
			}
			t.Run(sys.name+"/"+c.stringFor(sys.table), func(t *testing.T) {
				r := c.resolvedFor(sys.table, Config{})
				if sys.table.ioctl && (r.Idle == System) != (r.Interval == System) {
					// SIO_KEEPALIVE_VALS sets both: a System one is
					// written as Windows' default, as setFD does.
					v := keepaliveVals(sys.table, r)
					r.Idle, r.Interval = sys.table.idle.duration(int64(v.Time)), sys.table.interval.duration(int64(v.Interval))
				}
				writes, err := sys.goes(goConfigFor(sys.table, c))
				require.NoError(t, err, "Go refuses what the library hands it")
				for _, f := range []struct {
					field string
					o     sockopt
					want  time.Duration // as the kernel is meant to hold it
				}{
					{"idle", sys.table.idle, r.Idle},
					{"interval", sys.table.interval, r.Interval},
					{"count", sys.table.count, time.Duration(r.Count)},
				} {
					w, written := writes[f.field]
					delete(writes, f.field)
					if f.want == System || !f.o.exists() {
						assert.False(t, written, "%s: Go writes %v where the Config leaves the system's", f.field, w)
						continue
					}
					require.True(t, written, "%s: Go leaves what the Config sets", f.field)
					assert.Equal(t, f.o.name, w.option, "%s", f.field)
					assert.Equal(t, f.want, f.o.duration(w.value), "%s: the kernel reads Go's %d in its unit", f.field, w.value)
				}
				assert.Empty(t, writes, "Go writes options the library leaves to the system")
			})
		}
	}
}

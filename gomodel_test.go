package keepalive

// What Go's own keep-alive writes on each system, modelled from Go's
// source, against what the library hands it.

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

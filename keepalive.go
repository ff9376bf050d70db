package keepalive

import (
	"errors"
	"math"
	"net"
	"strconv"
	"time"
)

// System, given as any field of a Config, leaves that setting as the
// system has it instead of taking Go's default. It is an untyped constant
// so that it fits the duration fields and Count alike.
//
// On a socket the library creates (NewDialer, WithKeepalive, ListenConfig)
// "as the system has it" is the kernel's default (on Linux the
// net.ipv4.tcp_keepalive_* sysctls). On a connection passed to Set or
// accepted through WrapListener it is whatever the socket already holds,
// which is Go's 15s/15s/9 if Go's own keep-alive configured it first.
const System = -1

// Go's own defaults (net/dial.go), taken by zero fields so that Config{}
// behaves like a default net.Dialer.
const (
	defaultIdle     = 15 * time.Second
	defaultInterval = 15 * time.Second
	defaultCount    = 9
)

// Config is a TCP keep-alive configuration. The zero value is Go's own
// default, keep-alive on with 15s idle, 15s interval and 9 probes, and
// no user timeout, just as a zero net.Dialer would set — where the system
// can set them: a zero field the system has no option for leaves the
// system's value (docs/systems.md lists them).
//
// Keep-alive probes are sent only while nothing is in flight: when the
// peer dies while sent data waits to be acknowledged, the kernel
// retransmits instead, for about 15 minutes on Linux. UserTimeout bounds
// that case. Once it is set, Linux also uses it, not Count, to decide that
// probing has failed, so a UserTimeout below Idle + Interval*Count drops
// the connection after fewer than Count probes. Timeout reports the real
// bound either way, and Coherent a Config whose UserTimeout and Count
// disagree: docs/behaviour.md#how-long-until-a-dead-peer-is-noticed.
type Config struct {
	// Idle is how long the connection must be idle before the first
	// keep-alive probe (TCP_KEEPIDLE). Zero means 15s; System leaves the
	// system's value (2h on Linux). Rounded up to the kernel's unit
	// (whole seconds on Linux); at most 32767s on Linux. Other systems'
	// units and limits are in docs/systems.md.
	Idle time.Duration

	// Interval is the time between unanswered probes (TCP_KEEPINTVL).
	// Zero means 15s; System leaves the system's value (75s on Linux).
	// Rounded up to whole seconds; at most 32767s on Linux.
	Interval time.Duration

	// Count is how many unanswered probes drop the connection
	// (TCP_KEEPCNT). Zero means 9; System leaves the system's value (9 on
	// Linux). From 1 to 127 on Linux. Ignored by Linux when UserTimeout is
	// set: see the type's documentation.
	Count int

	// UserTimeout is how long sent data may stay unacknowledged before
	// the connection is dropped (TCP_USER_TIMEOUT on Linux;
	// TCP_RXT_CONNDROPTIME on darwin, TCP_MAXUNACKTIME on FreeBSD,
	// TCP_ABORT_THRESHOLD on illumos and Solaris, TCP_MAXRT on Windows;
	// ErrUnsupported elsewhere). Zero and System leave the system's
	// setting, which by default is none. Rounded up to the kernel's unit
	// (whole milliseconds on Linux; at most 2^31-1 ms).
	UserTimeout time.Duration
}

// Validate reports every field that the running platform cannot take:
// negative values other than System, values above the kernel's limit
// after rounding, combinations the kernel refuses (illumos: Interval *
// Count beyond its keep-alive abort bound), and an Idle + Interval*Count
// that overflows time.Duration. The errors are *ConfigError values,
// joined. Fields left zero or System are always valid: whatever the
// system holds for them is not counted against the limits.
//
// A Config whose UserTimeout overrides Count is valid (gRPC-style
// configurations rely on it); Coherent reports it.
func (c Config) Validate() error { return c.validateFor(platform()) }

// How System is written: in Go, and in the text form, whose errors an
// operator reads.
const (
	systemInGo   = "keepalive.System"
	systemInText = `"system"`
)

// negativeError is the error for a negative field other than System,
// saying what zero means for that field, with System written as system
// says.
func negativeError(field, value, system string) error {
	use := "use 0 for Go's default or " + system + " for the system's"
	if field == "UserTimeout" {
		use = "use 0 or " + system + " to leave the system's setting (by default none)"
	}
	return &ConfigError{field, value, "negative; " + use, nil}
}

// checkSigns reports the negative fields other than System: the only
// errors that do not depend on the system.
func (c Config) checkSigns() error { return c.checkSignsWriting(systemInGo) }

// checkSignsWriting is checkSigns with System written as system says.
func (c Config) checkSignsWriting(system string) error {
	var errs []error
	for _, f := range [...]struct {
		name string
		d    time.Duration
	}{{"Idle", c.Idle}, {"Interval", c.Interval}, {"UserTimeout", c.UserTimeout}} {
		if f.d < 0 && f.d != System {
			errs = append(errs, negativeError(f.name, f.d.String(), system))
		}
	}
	if c.Count < 0 && c.Count != System {
		errs = append(errs, negativeError("Count", strconv.Itoa(c.Count), system))
	}
	return errors.Join(errs...)
}

// validateFor is Validate for the system of table t.
func (c Config) validateFor(t *sockopts) error {
	errs := []error{c.checkSigns()}
	lacks := func(field, value string) {
		why := t.note
		if why == "" {
			why = t.os + " has no such option"
		}
		errs = append(errs, &ConfigError{field, value, why, errors.ErrUnsupported})
	}
	durationField := func(field string, d time.Duration, o sockopt) {
		switch {
		case d <= 0:
		case !o.exists():
			lacks(field, d.String())
		case o.value(d) < o.min || o.value(d) > o.max:
			errs = append(errs, &ConfigError{field, d.String(), o.limit(t.os), nil})
		}
	}
	durationField("Idle", c.Idle, t.idle)
	durationField("Interval", c.Interval, t.interval)
	switch {
	case c.Count <= 0:
	case !t.count.exists():
		lacks("Count", strconv.Itoa(c.Count))
	case int64(c.Count) < t.count.min || int64(c.Count) > t.count.max:
		errs = append(errs, &ConfigError{"Count", strconv.Itoa(c.Count), t.count.limit(t.os), nil})
	}
	if c.UserTimeout > 0 && !t.userTimeout.exists() {
		why := t.os + " has no user timeout"
		if t.os == "windows" {
			why = "this Windows refuses TCP_MAXRT"
		}
		errs = append(errs, &ConfigError{"UserTimeout", c.UserTimeout.String(), why, errors.ErrUnsupported})
	} else {
		durationField("UserTimeout", c.UserTimeout, t.userTimeout)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	// Only what c sets counts: System fields are whatever the system
	// holds, which the kernel keeps within its own limits.
	r := c.resolvedFor(t, Config{})
	idle, interval, count := max(r.Idle, 0), max(r.Interval, 0), max(r.Count, 0)
	if t.maxProbing > 0 && interval > 0 && count > 0 && int64(count) > int64(t.maxProbing/interval) {
		return &ConfigError{"Count", strconv.Itoa(c.Count), "Interval*Count above " + quantity(t.maxProbing.Milliseconds(), time.Millisecond) + ", the kernel's keep-alive abort bound on " + t.os, nil}
	}
	if interval > 0 && time.Duration(count) > (math.MaxInt64-idle)/interval {
		return &ConfigError{"Timeout", "Idle + Interval*Count", "overflows time.Duration", nil}
	}
	return nil
}

// resolved returns c as the kernel will hold it: Go's defaults for zero
// fields, durations rounded up to the kernel's units, System fields taken
// from sys (or left System when sys has zero there).
func (c Config) resolved(sys Config) Config { return c.resolvedFor(platform(), sys) }

// resolvedFor is resolved for the system of table t.
func (c Config) resolvedFor(t *sockopts, sys Config) Config {
	// Where the system lacks an option, Go's default cannot be set:
	// the field is the system's, as for System.
	if c.Idle == 0 && !t.idle.exists() {
		c.Idle = System
	}
	if c.Interval == 0 && !t.interval.exists() {
		c.Interval = System
	}
	if c.Count == 0 && !t.count.exists() {
		c.Count = System
	}
	resolve := func(d, def, sys time.Duration, unit time.Duration) time.Duration {
		switch {
		case d == 0:
			return def
		case d == System && sys != 0:
			return sys
		}
		return roundUp(d, unit)
	}
	r := Config{
		Idle:        resolve(c.Idle, defaultIdle, sys.Idle, t.idle.step()),
		Interval:    resolve(c.Interval, defaultInterval, sys.Interval, t.interval.step()),
		Count:       c.Count,
		UserTimeout: roundUp(c.UserTimeout, t.userTimeout.step()),
	}
	switch {
	case c.Count == 0:
		r.Count = defaultCount
	case c.Count == System && sys.Count != 0:
		r.Count = sys.Count
	}
	if r.UserTimeout < 0 {
		r.UserTimeout = 0 // System: none is set by default
	}
	return r
}

// goConfig is c as Go's own keep-alive must be given it for the kernel
// to get what c asks.
func goConfig(c Config) net.KeepAliveConfig { return goConfigFor(platform(), c) }

// goConfigFor is c for Go's keep-alive on the system of table t: System
// (-1) leaves alone what c leaves to the system and what Go does not set
// or t lacks, and durations are scaled where Go writes another unit than
// the kernel reads (NetBSD's slow ticks, DragonFly's milliseconds before
// 5.8), so that Go writes the value the kernel needs.
func goConfigFor(t *sockopts, c Config) net.KeepAliveConfig {
	r := c.resolvedFor(t, Config{})
	if t.ioctl && (r.Idle == System) != (r.Interval == System) {
		// Go's SIO_KEEPALIVE_VALS refuses a System idle with an interval
		// (WSAENOPROTOOPT) and writes 1s for a System interval: hand it
		// both, as setFD writes them.
		v := keepaliveVals(t, r)
		r.Idle, r.Interval = time.Duration(v.Time)*time.Millisecond, time.Duration(v.Interval)*time.Millisecond
	}
	scaled := func(o sockopt, d time.Duration) time.Duration {
		if d == System || !o.exists() || o.goUnit == 0 {
			return System
		}
		return time.Duration(o.value(d)) * o.goUnit
	}
	count := r.Count
	if !t.count.exists() || t.count.goUnit == 0 {
		count = System
	}
	return net.KeepAliveConfig{Enable: true, Idle: scaled(t.idle, r.Idle), Interval: scaled(t.interval, r.Interval), Count: count}
}

// keepaliveVals is r (resolved) as SIO_KEEPALIVE_VALS takes it. The
// ioctl sets idle and interval together and Windows cannot report
// either, so a field left System is written as Windows' default.
func keepaliveVals(t *sockopts, r Config) tcpKeepalive {
	if r.Idle == System {
		r.Idle = windowsDefaultIdle
	}
	if r.Interval == System {
		r.Interval = windowsDefaultInterval
	}
	return tcpKeepalive{OnOff: 1, Time: uint32(t.idle.value(r.Idle)), Interval: uint32(t.interval.value(r.Interval))}
}

package keepalive

import (
	"errors"
	"fmt"
	"math"
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
// system's value (the timers on AIX and OpenBSD, interval and count on
// Oracle Solaris before 11.4, the count on Windows before 10 1703; the
// table in docs/systems.md lists them).
//
// # User timeout and keep-alive
//
// Keep-alive probes are sent only while nothing is in flight: when the
// peer dies while sent data waits to be acknowledged, the kernel
// retransmits instead, for about 15 minutes on Linux (tcp_retries2 = 15).
// UserTimeout bounds that case.
//
// Once UserTimeout is set, Linux also uses it, not Count, to decide that
// keep-alive probing has failed (tcp(7)): at each probe timer after the
// first probe went unanswered, the connection is dropped if nothing was
// received for UserTimeout. So a UserTimeout below Idle + Interval*Count
// drops the connection after fewer than Count probes (one lost probe, if
// it is below Idle + Interval), and one above it sends more than Count.
// Timeout reports the real bound either way; Coherent reports a Config
// whose UserTimeout and Count disagree.
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

// A ConfigError reports a Config field that the running platform cannot
// take. Validate, Set, dialing and listening return it before anything
// is set on a socket.
type ConfigError struct {
	Field string // "Idle", "Interval", "Count", "UserTimeout" or "Timeout"
	Value string // the value as given
	Limit string // what the field must be
	Err   error  // errors.ErrUnsupported where the platform lacks the option; else nil
}

func (e *ConfigError) Error() string {
	s := "keepalive: invalid " + e.Field + " " + e.Value + ": " + e.Limit
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ConfigError) Unwrap() error { return e.Err }

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

// negativeError is the error for a negative field other than System,
// saying what zero means for that field.
func negativeError(field, value string) error {
	use := "use 0 for Go's default or keepalive.System for the system's"
	if field == "UserTimeout" {
		use = "use 0 or keepalive.System to leave the system's setting (by default none)"
	}
	return &ConfigError{field, value, "negative; " + use, nil}
}

// checkSigns reports the negative fields other than System: the only
// errors that do not depend on the system.
func (c Config) checkSigns() error {
	var errs []error
	for _, f := range [...]struct {
		name string
		d    time.Duration
	}{{"Idle", c.Idle}, {"Interval", c.Interval}, {"UserTimeout", c.UserTimeout}} {
		if f.d < 0 && f.d != System {
			errs = append(errs, negativeError(f.name, f.d.String()))
		}
	}
	if c.Count < 0 && c.Count != System {
		errs = append(errs, negativeError("Count", strconv.Itoa(c.Count)))
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

// roundUp rounds a positive d up to a multiple of unit, saturating.
func roundUp(d, unit time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	q := d / unit
	if d%unit != 0 {
		q++
	}
	if q > math.MaxInt64/unit {
		return math.MaxInt64
	}
	return q * unit
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

// Linux's compiled-in defaults (include/net/tcp.h), used for System
// fields where the running system's own values cannot be read.
var fallbackSystem = Config{Idle: 2 * time.Hour, Interval: 75 * time.Second, Count: 9}

// systemFallback reports, as an error, that Timeout takes fallbackSystem
// for the fields c leaves to the system because the system's own cannot
// be read (/proc unreadable under fd exhaustion, or no way to read them
// on this system); nil when c needs none or they are read.
func (c Config) systemFallback() error {
	if r := c.resolved(Config{}); r.Idle != System && r.Interval != System && r.Count != System {
		return nil
	}
	if _, err := systemDefaults(); err != nil {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			err = j.Unwrap()[0] // the first sysctl that could not be read
		}
		return fmt.Errorf("the system's keep-alive defaults taken as Linux's (%v): %w", fallbackSystem, err)
	}
	return nil
}

// withSystem resolves c with the running system's defaults for System
// fields.
func (c Config) withSystem() Config {
	// Fields the system lacks resolve to System too.
	if r := c.resolved(Config{}); r.Idle != System && r.Interval != System && r.Count != System {
		return r
	}
	sys, err := systemDefaults()
	if err != nil {
		sys = fallbackSystem
		if n := platform().fixedCount; n > 0 {
			sys.Count = n
		}
	}
	return c.resolved(sys)
}

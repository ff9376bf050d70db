package keepalive

import (
	"fmt"
	"math"
	"time"
)

// Timeout is the longest a connection to a dead peer stays open while
// idle: Idle + Interval*Count after defaults and rounding. System fields
// take the running system's values where they can be read (Linux:
// /proc/sys/net/ipv4/tcp_keepalive_*), else Linux's defaults (2h, 75s,
// 9), which a Listener's weaker-bound report names as such.
//
// When UserTimeout is set, Linux drops the connection at the first probe
// timer at which nothing was received for UserTimeout and a probe is
// outstanding, so the bound is Idle + Interval*k with k the smallest
// whole number, at least 1, that makes it reach UserTimeout; Count does
// not matter.
//
// Timeout counts from the last packet received and does not include the
// timer's own slack (a few milliseconds). A Config that fails Validate
// bounds nothing: Timeout then returns the largest time.Duration
// (math.MaxInt64), which no limit passes, rather than 0, which reads as
// the fastest bound; Validate says why.
func (c Config) Timeout() time.Duration {
	if c.Validate() != nil {
		return math.MaxInt64
	}
	return c.withSystem().bound()
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
func (c Config) withSystem() Config { return c.withSystemFor(platform()) }

// withSystemFor is withSystem for the system of table t.
func (c Config) withSystemFor(t *sockopts) Config {
	// Fields the system lacks resolve to System too.
	if r := c.resolvedFor(t, Config{}); r.Idle != System && r.Interval != System && r.Count != System {
		return r
	}
	return c.resolvedFor(t, systemFor(t))
}

// systemFor is the keep-alive defaults of the system of table t: the
// running system's own, else fallbackSystem; a count the system fixes
// (Windows before 10 1703) is that count either way.
func systemFor(t *sockopts) Config {
	sys, err := systemDefaults()
	if err != nil {
		sys = fallbackSystem
	}
	if t.fixedCount > 0 {
		sys.Count = t.fixedCount
	}
	return sys
}

// bound is Timeout for a resolved Config, saturating at the largest
// duration.
func (r Config) bound() time.Duration {
	k := time.Duration(r.probes())
	if r.Interval > 0 && k > (math.MaxInt64-r.Idle)/r.Interval {
		return math.MaxInt64
	}
	return r.Idle + r.Interval*k
}

// probes is how many unanswered probes a resolved Config really sends
// before the connection is dropped (see Config).
func (r Config) probes() int {
	if r.UserTimeout <= 0 {
		return r.Count
	}
	k := 1
	if past := r.UserTimeout - r.Idle; past > 0 {
		k = int((past + r.Interval - 1) / r.Interval)
	}
	return max(k, 1)
}

// Coherent reports, as an error, a UserTimeout that makes Linux ignore
// Count: one below Idle + Interval*(Count-1) drops an idle connection
// after fewer unanswered probes than Count (after a single one, if it is
// below Idle + Interval, as gRPC users met with Go's 15s probes and a 20s
// user timeout), and one above Idle + Interval*Count sends more probes
// and notices a dead idle peer later than Count suggests. It returns nil
// when UserTimeout is not set or agrees with Count, and the Validate
// error for an invalid Config.
//
// It is not part of Validate because such a Config can be deliberate: a
// UserTimeout meant for busy connections, with keep-alive as a backstop.
func (c Config) Coherent() error {
	if err := c.Validate(); err != nil {
		return err
	}
	r := c.withSystem()
	k := r.probes()
	if r.UserTimeout == 0 || k == r.Count {
		return nil
	}
	byCount := r
	byCount.UserTimeout = 0
	return fmt.Errorf("keepalive: UserTimeout %v overrides Count %d: an idle connection to a dead peer is dropped after %d unanswered probe(s) at %v, not after %d at %v",
		r.UserTimeout, r.Count, k, r.bound(), r.Count, byCount.bound())
}

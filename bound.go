package keepalive

import (
	"fmt"
	"math"
	"time"

	"github.com/tcpkeepalive/keepalive/internal/falsekill"
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

// Within returns a Config that notices a dead peer within d, whether the
// connection is idle or busy, for d of at least MinWithin (2.25s) on
// Linux. Idle + Interval*Count, in whole seconds, is at most d*8/9 (the
// kernel's timers fire up to 1/8 late) and UserTimeout is the same, so
// Coherent returns nil. Idle takes most of d, and Count is as large as
// needed for 5% random loss each way to drop a live idle connection at
// most once per 1000 connection-hours (d ≥ 10s on Linux; below, what it
// tolerates is in docs/behaviour.md). A busy connection is bounded from
// its first retransmission timeout, which comes one round-trip timeout
// (below d/9) after an unanswered send unless the writer keeps sending.
//
// Within cannot refuse a d it cannot meet: below the smallest bound the
// system runs (d ≤ 0 included) it gives the fastest Config the system
// runs (Linux: Idle 1s, Interval 1s, Count 1, UserTimeout 2s);
// UnmarshalText's within= refuses such a d. Where the system lacks an
// option the Config leaves it System and bounds less, or nothing
// (OpenBSD, AIX); on a Multipath TCP connection d bounds the subflows
// only: docs/behaviour.md#withind-a-config-for-a-bound.
func Within(d time.Duration) Config { return withinFor(platform(), d) }

// withinFor is Within for the system of table t.
func withinFor(t *sockopts, d time.Duration) Config {
	if !t.idle.exists() {
		return Config{Idle: System, Interval: System, Count: System}
	}
	// Timers in whole seconds, within the table's limits; where the
	// system lacks Interval, Linux's limits stand in for the arithmetic.
	minIdle, maxIdle := t.idle.secondsRange()
	minInterval, maxInterval := t.interval.secondsRange()
	if !t.interval.exists() {
		minInterval, maxInterval = time.Second, 32767*time.Second
	}
	maxCount := 3
	if t.fixedCount > 0 {
		maxCount = t.fixedCount
	}

	budget := (d / 9 * 8).Truncate(time.Second)
	if t.userTimeout.exists() {
		// The user timeout, equal to the bound, keeps to its limit.
		budget = min(budget, t.userTimeout.maxDuration().Truncate(time.Second))
	}
	count := 1
	if t.fixedCount > 0 {
		count = t.fixedCount
	}
	idle, interval := minIdle, minInterval
	if fastest := minIdle + minInterval*time.Duration(count); budget > fastest {
		if t.fixedCount == 0 {
			count = int(min(time.Duration(maxCount), (budget-minIdle)/minInterval))
		}
		idle, interval = spread(budget, count, minIdle, maxIdle, minInterval, maxInterval)
		// On Linux, whose timers the model follows: more probes, each
		// sooner, where 3 would let random loss drop a live connection
		// more often than withinKillsPerHour: the fewest that meet it,
		// else the fewest kills the budget allows.
		best := falsekill.PerHour(idle, interval, count, idle+interval*time.Duration(count), withinLoss)
		for n := count + 1; t.os == "linux" && t.count.exists() && best > withinKillsPerHour; n++ {
			if n > int(t.count.max) || budget-minInterval*time.Duration(n) < minIdle {
				break // no room for another probe
			}
			i, v := spread(budget, n, minIdle, maxIdle, minInterval, maxInterval)
			if k := falsekill.PerHour(i, v, n, i+v*time.Duration(n), withinLoss); k < best {
				idle, interval, count, best = i, v, n, k
			}
		}
	}
	if t.maxProbing > 0 {
		interval = min(interval, t.maxProbing/time.Duration(count))
	}
	bound := idle + interval*time.Duration(count)
	c := Config{Idle: idle, Interval: interval, Count: count}
	if t.userTimeout.exists() {
		c.UserTimeout = bound // agrees with Count
	}
	if t.fixedCount > 0 {
		c.Count = System
	}
	if !t.interval.exists() {
		c.Interval = System
	}
	if !t.count.exists() && t.fixedCount == 0 {
		c.Count = System
	}
	return c
}

// The loss each way a Within Config is made to survive, and how many
// live idle connections it may then drop per connection-hour (see
// docs/behaviour.md).
const (
	withinLoss         = 0.05
	withinKillsPerHour = 1e-3
)

// spread divides budget into Idle and count probes of Interval: probes
// span about a quarter of the bound, at least a second apart, so that a
// short outage does not eat all of them; idle gets the rest, at least
// its minimum.
func spread(budget time.Duration, count int, minIdle, maxIdle, minInterval, maxInterval time.Duration) (idle, interval time.Duration) {
	n := time.Duration(count)
	interval = max(minInterval, (budget / (4 * n)).Truncate(time.Second))
	if budget-interval*n < minIdle {
		interval = max(minInterval, ((budget - minIdle) / n).Truncate(time.Second))
	}
	interval = min(interval, maxInterval)
	return min(budget-interval*n, maxIdle), interval
}

// secondsRange is the range of o in whole seconds: its minimum rounded
// up, its maximum rounded down.
func (o sockopt) secondsRange() (lo, hi time.Duration) {
	lo = max(time.Second, roundUp(o.duration(o.min), time.Second))
	hi = o.duration(o.max).Truncate(time.Second)
	return lo, hi
}

// MinWithin is the smallest bound Within can meet on Linux.
const MinWithin = 2250 * time.Millisecond

// MinUnder is the shortest middlebox idle timeout through which Under
// keeps a flow alive even when one probe is lost.
const MinUnder = 3250 * time.Millisecond

// underSlack is the time, out of a middlebox's idle timeout, left for a
// probe to travel from the host to the middlebox, and for the
// middlebox's own clock to count coarsely.
const underSlack = time.Second

// Under returns c with probes that keep a connection alive through a
// middlebox — a NAT gateway, load balancer or stateful firewall — that
// forgets a flow after idleTimeout without a packet, and that notices a
// dead peer no later than c: for example
// keepalive.Within(30*time.Second).Under(350*time.Second) for an AWS
// Network Load Balancer. A c whose probes already come often enough is
// returned unchanged.
//
// How the idle timeout is met, on Linux:
//   - A probe must reach the middlebox before it forgets. Keep-alive
//     timers fire late, never early, by up to 1/8 of their length, and a
//     second is left for the way to the middlebox, so Idle + Interval is
//     at most (idleTimeout - 1s) * 8/9, in whole seconds.
//   - Idle alone would do while probes are answered: each answer restarts
//     the idle timer, so the next probe comes Idle after it. Idle +
//     Interval also fits so that when one probe is lost before it
//     reaches the middlebox, the next one, Interval later, still arrives
//     in time: a single lost probe does not cost the flow.
//   - Interval is shortened first, to at most an eighth of that budget;
//     Idle takes the rest, so that a healthy idle connection sends as few
//     probes as the middlebox allows.
//   - The detection bound (Timeout) stays as close to c's as whole
//     probes allow and never above it: the time Idle no longer waits
//     goes into more probes (Count grows, up to the system's limit).
//     A UserTimeout is kept, or lowered to the new Idle + Interval*Count
//     where it was above it, and Count then agrees with it (Coherent
//     returns nil).
//
// Below MinUnder (3.25s) Idle + Interval cannot fit: Under then returns
// Idle and Interval of 1s (or the system's minimum), the fastest the
// kernel runs. Answered probes then keep a middlebox whose timeout is
// above about 1.2s, but a lost probe may cost the flow; no TCP-level
// setting keeps a shorter one. An idleTimeout of zero or below means no
// middlebox: c is returned unchanged, as is a c that fails Validate.
// System fields count with the running system's values, as in Timeout;
// a Config that Under changes holds them as explicit values. Where the
// system cannot set Idle (OpenBSD, AIX) the changed Config fails
// Validate: the probes' timing is the system's there.
//
// TCP keep-alive probes carry no payload: they keep flows in middleboxes
// that track TCP packets (NAT gateways, Network Load Balancers,
// firewalls), not in proxies that count idle time between application
// bytes (HTTP load balancers such as AWS ALB and Classic ELB).
func (c Config) Under(idleTimeout time.Duration) Config {
	return c.underFor(platform(), idleTimeout)
}

// underFor is Under for the system of table t.
func (c Config) underFor(t *sockopts, idleTimeout time.Duration) Config {
	if idleTimeout <= 0 || c.validateFor(t) != nil {
		return c
	}
	// System fields, and those the system lacks, are the system's.
	sys, err := systemDefaults()
	if err != nil {
		sys = fallbackSystem
	}
	r := c.resolvedFor(t, sys)
	bound := r.bound()
	budget := ((idleTimeout - underSlack) / 9 * 8).Truncate(time.Second)
	settable := t.interval.exists()
	if r.Idle <= budget && (!settable || r.Idle+r.Interval <= budget) {
		return c
	}

	floor := func(o sockopt) time.Duration { return max(time.Second, o.duration(o.min)) }
	interval := r.Interval
	room := budget
	if settable {
		interval = min(r.Interval, max(floor(t.interval), (budget/8).Truncate(time.Second)))
		if m := t.interval.maxDuration(); m > 0 {
			interval = min(interval, m)
		}
		room -= interval
	}
	idle := max(min(r.Idle, room), floor(t.idle))

	count := r.Count
	if t.count.exists() {
		// Idle and Interval only shrank, so at least r's own number of
		// probes fits in c's bound.
		fill := max(1, int64((bound-idle)/interval))
		count = int(min(fill, t.count.max))
	}
	u := Config{Idle: idle, Interval: c.Interval, Count: c.Count, UserTimeout: c.UserTimeout}
	if settable {
		u.Interval = interval
	}
	if t.count.exists() {
		u.Count = count
	}
	if r.UserTimeout > 0 {
		u.UserTimeout = min(r.UserTimeout, idle+interval*time.Duration(count))
		if t.count.exists() {
			// The count Linux really runs with this user timeout.
			u.Count = max(1, int((u.UserTimeout-idle+interval-1)/interval))
		}
	}
	return u
}

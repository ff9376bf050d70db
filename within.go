package keepalive

import (
	"fmt"
	"math"
	"time"

	"github.com/tcpkeepalive/keepalive/internal/falsekill"
)

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

// checkWithin refuses a bound d that Within cannot meet on the system of
// table t: Within then returns its fastest Config, whose Timeout and the
// timers' lateness (1/8) exceed d, or, where the system's interval stays
// its own, a Config that bounds only a busy connection.
func checkWithin(t *sockopts, d time.Duration) error {
	bound := withinFor(t, d).withSystemFor(t).bound()
	if bound <= d/9*8 {
		return nil
	}
	switch {
	case !t.idle.exists():
		return fmt.Errorf("keepalive: within=%q: below %v, the bound of the system's own keep-alive timers on %s, which cannot be set", d.String(), minWithin(t), t.os)
	case !t.interval.exists():
		return fmt.Errorf("keepalive: within=%q: not met on %s, whose keep-alive interval and count cannot be set: Within's Config notices a dead idle peer after %v", d.String(), t.os, bound)
	}
	return fmt.Errorf("keepalive: within=%q: below %v, the smallest bound Within can meet on %s", d.String(), minWithin(t), t.os)
}

// minWithin is MinWithin for the system of table t: the bound of the
// fastest Config it runs, with the timers' lateness (1/8).
func minWithin(t *sockopts) time.Duration {
	fastest := withinFor(t, 0).withSystemFor(t).bound()
	if fastest > math.MaxInt64/9 {
		return math.MaxInt64
	}
	return fastest / 8 * 9
}

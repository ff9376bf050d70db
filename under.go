package keepalive

import (
	"fmt"
	"time"
)

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
// Network Load Balancer. A c whose probes already come often enough, or
// that fails Validate, is returned unchanged, as is any c for an
// idleTimeout of zero or below.
//
// Idle + Interval is kept within (idleTimeout - 1s) * 8/9, in whole
// seconds, so that one lost probe does not cost the flow; Count grows so
// that Timeout stays as close to c's as whole probes allow. Below
// MinUnder (3.25s on Linux) that cannot fit, and Under returns the fastest
// timers the kernel runs. Probes carry no payload: they keep flows in
// middleboxes that track TCP packets, not in HTTP proxies.
// docs/middleboxes.md#underidletimeout-a-config-for-a-middlebox explains
// the margin and the figures.
func (c Config) Under(idleTimeout time.Duration) Config {
	return c.underFor(platform(), idleTimeout)
}

// underFor is Under for the system of table t.
func (c Config) underFor(t *sockopts, idleTimeout time.Duration) Config {
	if idleTimeout <= 0 || c.validateFor(t) != nil {
		return c
	}
	// System fields, and those the system lacks, are the system's.
	r := c.withSystemFor(t)
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

// underText is c.Under(n) for the text form, refused where Under cannot
// meet n: c fails Validate, or n is too short for Idle + Interval to fit
// with the timers' lateness (below MinUnder on Linux).
func underText(t *sockopts, c Config, n time.Duration) (Config, error) {
	if err := c.validateFor(t); err != nil {
		return Config{}, wrap(fmt.Sprintf("under=%q needs a valid Config", n.String()), err)
	}
	u := c.underFor(t, n)
	if err := u.validateFor(t); err != nil {
		return Config{}, wrap(fmt.Sprintf("under=%q cannot be met on %s", n.String(), t.os), err)
	}
	r := u.withSystemFor(t)
	budget := ((n - underSlack) / 9 * 8).Truncate(time.Second)
	if r.Idle > budget || (t.interval.exists() && r.Idle+r.Interval > budget) {
		return Config{}, fmt.Errorf("keepalive: under=%q: below %v, the shortest idle timeout Under can keep a flow through on %s when a probe is lost", n.String(), underMinimum(t), t.os)
	}
	return u, nil
}

// underMinimum is MinUnder for the system of table t: the fastest Idle
// + Interval the system runs, with the timers' lateness and a second's
// slack.
func underMinimum(t *sockopts) time.Duration {
	floor := func(o sockopt) time.Duration { return max(time.Second, o.duration(o.min)) }
	fastest := floor(t.idle)
	if t.interval.exists() {
		fastest += floor(t.interval)
	}
	return fastest/8*9 + underSlack
}

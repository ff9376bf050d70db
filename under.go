package keepalive

import "time"

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

package keepalive

import "time"

// Within returns a Config that notices a dead peer within d, whether the
// connection is idle or busy, for d of at least 2.25s (MinWithin). It
// fills d with waiting before it adds probes: Idle takes most of the
// bound, so that a healthy idle connection sends as few probes as the
// bound allows, and Count is 3 where the bound leaves room for three
// probes (2 or 1 where it does not), so that a single lost probe does not
// drop a healthy connection.
//
// How the bound is met, on Linux:
//   - Keep-alive timers fire late, never early, by up to 1/8 of their
//     length (the timer wheel's granularity, kernel/time/timer.c), and the
//     kernel takes whole seconds. So Idle + Interval*Count is d*8/9
//     rounded down to whole seconds, which leaves room for that lateness.
//   - UserTimeout is set to the same Idle + Interval*Count, so that it
//     agrees with Count (Coherent returns nil): an idle connection is
//     dropped at the Count-th probe timer.
//   - A busy connection is dropped UserTimeout after the first
//     retransmission, which comes one retransmission timeout (RTO, at
//     least 200ms on Linux) after the unacknowledged send. The d/9 left
//     over covers an RTO of up to d/9: true on a LAN or in a data center,
//     not on a path whose round trip nears d/36.
//
// Below MinWithin there is no room for a probe and the lateness; Within
// then returns the fastest Config the kernel can run, Idle 1s, Interval
// 1s, Count 1, UserTimeout 2s, which notices a dead peer after about 2s
// plus timer lateness. Idle and Interval stop at the system's limits
// (32767s on Linux, an Interval of 60s on illumos), so a very large d
// gives a Config faster than d. On a system without a user timeout
// (NetBSD, DragonFly) UserTimeout is left zero and only an idle
// connection is bounded; where the system cannot set the timers at all
// (OpenBSD, AIX) the Config fails Validate.
//
// On a Multipath TCP connection (Linux) d bounds the subflows only: the
// socket refuses the UserTimeout, and the kernel keeps the connection
// for net.mptcp.close_timeout (60s by default) after its last subflow
// died, so a dead peer is noticed up to that much later than d. Listen
// and ConfigureListenConfig use plain TCP unless asked otherwise, and
// State.Timeout reports the bound a connection really holds.
func Within(d time.Duration) Config { return within(platform(), d) }

func within(t *sockopts, d time.Duration) Config {
	c := withinLinux(d, t.idle.maxDuration(), t.interval.maxDuration())
	if !t.userTimeout.exists() {
		c.UserTimeout = 0
	}
	return c
}

// withinLinux is Within's arithmetic, with Idle and Interval capped
// (where a cap is not zero).
func withinLinux(d, maxIdle, maxInterval time.Duration) Config {
	if maxIdle <= 0 {
		maxIdle = 32767 * time.Second
	}
	if maxInterval <= 0 {
		maxInterval = 32767 * time.Second
	}
	budget := (d / 9 * 8).Truncate(time.Second)
	if budget < 2*time.Second {
		return Config{Idle: time.Second, Interval: time.Second, Count: 1, UserTimeout: 2 * time.Second}
	}
	count := min(3, int(budget/time.Second)-1)
	// Probes span about a quarter of the bound, at least a second apart,
	// so that a short outage does not eat all of them.
	interval := max(time.Second, (budget / time.Duration(4*count)).Truncate(time.Second))
	interval = min(interval, maxInterval)
	idle := min(budget-interval*time.Duration(count), maxIdle)
	return Config{Idle: idle, Interval: interval, Count: count, UserTimeout: idle + interval*time.Duration(count)}
}

// MinWithin is the smallest bound Within can meet.
const MinWithin = 2250 * time.Millisecond

package keepalive

import (
	"math"
	"strconv"
	"time"
)

// The types of the per-system tables (platform.go), and the conversions
// between a Config's durations and a kernel's units.

// A sockopt is one socket option as one kernel takes it. The zero
// sockopt is an option the system does not have.
type sockopt struct {
	name       string // as errors and docs/systems.md name it, e.g. "TCP_KEEPIDLE"
	level, num int

	// unit is what one step of the value means: time.Second for an
	// option in seconds; 0 for a count or a flag.
	unit time.Duration

	// min and max bound the value, in unit steps, as the kernel checks
	// it (or as far as the int the library passes can go).
	min, max int64

	// inherited is true where accepted sockets are known to copy the
	// option from their listening socket.
	inherited bool

	// goUnit is the unit in which Go's own (*net.TCPConn).
	// SetKeepAliveConfig writes this option (1 for a count), 0 where it
	// does not set it.
	// Where it differs from unit, Go's value means something else to
	// the kernel, and the library scales what it gives Go.
	goUnit time.Duration
}

func (o sockopt) exists() bool { return o.name != "" }

// value converts a positive d to the kernel's units, rounding up so
// that a positive duration never becomes zero.
func (o sockopt) value(d time.Duration) int64 {
	if o.unit == 0 {
		return int64(d) // a count, or an option the system lacks
	}
	return int64(roundUp(d, o.unit) / o.unit)
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

// duration converts a value read from the kernel back to a duration.
func (o sockopt) duration(v int64) time.Duration {
	if o.unit == 0 {
		return time.Duration(v)
	}
	if v > math.MaxInt64/int64(o.unit) {
		return math.MaxInt64
	}
	return time.Duration(v) * o.unit
}

// limit describes the range of o as docs/systems.md gives it: in
// the kernel's unit, with the option's name, for example "above 32767 s,
// the limit of TCP_KEEPIDLE on linux" or "outside 1–127, the range of
// TCP_KEEPCNT on linux".
func (o sockopt) limit(os string) string {
	if o.min <= 1 && o.unit != 0 {
		return "above " + quantity(o.max, o.unit) + ", the limit of " + o.name + " on " + os
	}
	return "outside " + strconv.FormatInt(o.min, 10) + "–" + quantity(o.max, o.unit) + ", the range of " + o.name + " on " + os
}

// quantity writes v steps of unit (0 for a count) as docs/systems.md does,
// naming the powers of two less one.
func quantity(v int64, unit time.Duration) string {
	s := strconv.FormatInt(v, 10)
	switch unit {
	case 0:
	case time.Second:
		s += " s"
	case time.Millisecond:
		s += " ms"
	default:
		s += " ticks of " + strconv.FormatInt(unit.Milliseconds(), 10) + " ms" // NetBSD's slow ticks
	}
	switch v {
	case maxInt32:
		s += " (2³¹−1)"
	case maxUint32:
		s += " (2³²−1)"
	}
	return s
}

// sockopts is one system's table.
type sockopts struct {
	os string

	keepAlive   sockopt // SO_KEEPALIVE
	idle        sockopt // Config.Idle
	interval    sockopt // Config.Interval
	count       sockopt // Config.Count
	userTimeout sockopt // Config.UserTimeout

	// readBack is true where getsockopt returns what was set.
	readBack bool

	// ioctl is true where idle and interval are set together, with
	// SIO_KEEPALIVE_VALS (Windows before 10 1709).
	ioctl bool

	// fixedCount is the probe count of a system that has it but cannot
	// set it (Windows before 10 1703: 10), 0 elsewhere.
	fixedCount int

	// maxProbing, where not zero, bounds Interval*Count as the kernel
	// checks it once both are set (illumos).
	maxProbing time.Duration

	// note explains, in errors, why the system lacks options.
	note string
}

// optionNumbers are the running system's socket option numbers, from
// golang.org/x/sys; zero for an option it lacks or has wrong.
type optionNumbers struct {
	solSocket, soKeepAlive, ipprotoTCP int
	idle, interval, count, userTimeout int
}

// native returns a copy of t with the numbers of n where t has none.
func (t *sockopts) native(n optionNumbers) *sockopts {
	c := *t
	set := func(o *sockopt, level, num int) {
		if o.exists() && o.num == 0 && num != 0 {
			o.level, o.num = level, num
		}
	}
	set(&c.keepAlive, n.solSocket, n.soKeepAlive)
	if !c.ioctl { // SIO_KEEPALIVE_VALS is no socket option
		set(&c.idle, n.ipprotoTCP, n.idle)
		set(&c.interval, n.ipprotoTCP, n.interval)
	}
	set(&c.count, n.ipprotoTCP, n.count)
	set(&c.userTimeout, n.ipprotoTCP, n.userTimeout)
	return &c
}

// step is the unit to which durations for o are rounded: o's own, or a
// second for an option the system lacks.
func (o sockopt) step() time.Duration {
	if o.unit == 0 {
		return time.Second
	}
	return o.unit
}

// maxDuration is the largest duration o takes, 0 if the system lacks it.
func (o sockopt) maxDuration() time.Duration {
	if !o.exists() || o.unit == 0 {
		return 0
	}
	return o.duration(o.max)
}

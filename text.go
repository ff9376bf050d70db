package keepalive

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"
)

// String returns the text form of c with defaults applied and durations
// rounded as the kernel takes them, for example
// "idle=30s,interval=5s,count=3,user-timeout=45s". System fields read
// "system"; an unset user timeout is left out. UnmarshalText reads it
// back. The units are the running system's (Windows' TCP_MAXRT takes
// whole seconds, Linux's TCP_USER_TIMEOUT milliseconds), so the text of
// a Config whose durations are not whole seconds differs between
// systems; fields the system cannot set read "system".
func (c Config) String() string { return c.stringFor(platform()) }

// stringFor is String for the system of table t.
func (c Config) stringFor(t *sockopts) string {
	r := c.resolvedFor(t, Config{})
	var b strings.Builder
	writeDuration := func(key string, d, given time.Duration) {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(key)
		b.WriteByte('=')
		if given == System {
			b.WriteString("system")
		} else {
			b.WriteString(d.String())
		}
	}
	writeDuration("idle", r.Idle, r.Idle)
	writeDuration("interval", r.Interval, r.Interval)
	b.WriteString(",count=")
	if r.Count == System {
		b.WriteString("system")
	} else {
		b.WriteString(strconv.Itoa(r.Count))
	}
	if c.UserTimeout != 0 {
		writeDuration("user-timeout", r.UserTimeout, c.UserTimeout)
	}
	return b.String()
}

// LogValue implements slog.LogValuer: a group of idle, interval and
// count, and user_timeout when set, as the kernel will take them (System
// fields are the string "system").
func (c Config) LogValue() slog.Value {
	r := c.resolved(Config{})
	attr := func(key string, d, given time.Duration) slog.Attr {
		if given == System {
			return slog.String(key, "system")
		}
		return slog.Duration(key, d)
	}
	attrs := []slog.Attr{attr("idle", r.Idle, r.Idle), attr("interval", r.Interval, r.Interval)}
	if r.Count == System {
		attrs = append(attrs, slog.String("count", "system"))
	} else {
		attrs = append(attrs, slog.Int("count", r.Count))
	}
	if c.UserTimeout != 0 {
		attrs = append(attrs, attr("user_timeout", r.UserTimeout, c.UserTimeout))
	}
	return slog.GroupValue(attrs...)
}

// MarshalText implements encoding.TextMarshaler with the form of String.
// It fails only for a negative field other than System, which the text
// form cannot carry: a Config beyond the running system's limits, or
// with an option the system lacks, still marshals (so that a struct
// holding it can be written out anywhere), and fails Validate and use.
func (c Config) MarshalText() ([]byte, error) {
	if err := c.checkSigns(); err != nil {
		return nil, err
	}
	return []byte(c.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler. It reads
// comma-separated key=value pairs: idle, interval and user-timeout take a
// Go duration ("30s", "1m30s", "0"), count an integer, and each of them
// "system". Keys may be given in any order, at most once each; a missing
// key is zero; empty text is Config{}. Parsing checks the syntax, and
// refuses negative values other than System, but not the running
// system's limits or options: "user-timeout=45s" parses on OpenBSD too,
// and the Config fails Validate, Set, dialing and listening there. On
// error, c is left unchanged and the error names the key or value.
//
// It also takes libpq's names, so that the keep-alive settings of a
// PostgreSQL connection string can be handed over as they are:
// keepalives (only 1), keepalives_idle, keepalives_interval and
// keepalives_count in whole seconds or a count, tcp_user_timeout in
// milliseconds; as in libpq, 0 means the system's value (System).
func (c *Config) UnmarshalText(text []byte) error {
	var n Config
	var seen [5]bool
	s := strings.TrimSpace(string(text))
	for pair := range strings.SplitSeq(s, ",") {
		if s == "" {
			break
		}
		key, value, ok := strings.Cut(pair, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return fmt.Errorf("keepalive: %q is not key=value (keys: idle, interval, count, user-timeout)", pair)
		}
		var i int
		var err error
		switch key {
		case "idle":
			i = 0
			n.Idle, err = parseDuration(value)
		case "interval":
			i = 1
			n.Interval, err = parseDuration(value)
		case "count":
			i = 2
			n.Count, err = parseCount(value)
		case "user-timeout":
			i = 3
			n.UserTimeout, err = parseDuration(value)
		// libpq's names (PostgreSQL connection strings): whole seconds,
		// milliseconds for tcp_user_timeout, and 0 for the system's value.
		case "keepalives":
			i = 4
			if value != "1" {
				err = errors.New("only 1 is supported: a Config always turns keep-alive on")
			}
		case "keepalives_idle":
			i = 0
			n.Idle, err = parseLibpq(value, time.Second)
		case "keepalives_interval":
			i = 1
			n.Interval, err = parseLibpq(value, time.Second)
		case "keepalives_count":
			i = 2
			var d time.Duration
			d, err = parseLibpq(value, 1)
			n.Count = int(d)
		case "tcp_user_timeout":
			i = 3
			n.UserTimeout, err = parseLibpq(value, time.Millisecond)
		default:
			return fmt.Errorf("keepalive: unknown key %q (keys: idle, interval, count, user-timeout; libpq's keepalives, keepalives_idle, keepalives_interval, keepalives_count, tcp_user_timeout)", key)
		}
		if err != nil {
			return fmt.Errorf("keepalive: %s=%q: %w", key, value, err)
		}
		if seen[i] {
			return fmt.Errorf("keepalive: key %q given twice (or under both its names)", key)
		}
		seen[i] = true
	}
	if err := n.checkSigns(); err != nil {
		return err
	}
	*c = n
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	if s == "system" {
		return System, nil
	}
	return time.ParseDuration(s)
}

// parseLibpq reads a libpq number of units; 0 is the system's value.
func parseLibpq(s string, unit time.Duration) (time.Duration, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	switch {
	case err != nil:
		return 0, errors.New("not a whole number")
	case n < 0:
		return 0, errors.New("negative")
	case n == 0:
		return System, nil
	}
	return time.Duration(n) * unit, nil
}

func parseCount(s string) (int, error) {
	if s == "system" {
		return System, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errors.New("not a whole number")
	}
	return n, nil
}

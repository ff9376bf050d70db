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
// "system"; an unset user timeout is left out; a negative field other
// than System, which Validate refuses, reads as given. UnmarshalText
// reads it back. The units are the running system's (Windows' TCP_MAXRT
// takes whole seconds, Linux's TCP_USER_TIMEOUT milliseconds), so the
// text of a Config whose durations are not whole seconds differs between
// systems; fields the system cannot set read "system".
func (c Config) String() string { return c.stringFor(platform()) }

// stringFor is String for the system of table t.
func (c Config) stringFor(t *sockopts) string {
	var b strings.Builder
	for i, f := range c.textFields(t) {
		if f.key == "" {
			break
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(f.key)
		b.WriteByte('=')
		b.WriteString(f.value)
	}
	return b.String()
}

// LogValue implements slog.LogValuer with the text form's keys and
// values: a group of idle, interval, count and, when set, user-timeout,
// each a string as String writes it ("30s", "3", "system"), so that a
// log schema has one type per key and reads as the command's -json and
// a configuration file do.
func (c Config) LogValue() slog.Value {
	var attrs [4]slog.Attr
	n := 0
	for _, f := range c.textFields(platform()) {
		if f.key == "" {
			break
		}
		attrs[n] = slog.String(f.key, f.value)
		n++
	}
	return slog.GroupValue(attrs[:n]...)
}

// A textField is one key=value pair of the text form.
type textField struct{ key, value string }

// textFields is c in the text form for the system of table t: the one
// representation String and LogValue share. A field after the last is
// empty.
func (c Config) textFields(t *sockopts) [4]textField {
	r := c.resolvedFor(t, Config{})
	duration := func(d time.Duration) string {
		if d == System {
			return "system"
		}
		return d.String()
	}
	count := "system"
	if r.Count != System {
		count = strconv.Itoa(r.Count)
	}
	f := [4]textField{{"idle", duration(r.Idle)}, {"interval", duration(r.Interval)}, {"count", count}}
	switch {
	case c.UserTimeout == 0:
	case c.UserTimeout < 0:
		f[3] = textField{"user-timeout", duration(c.UserTimeout)} // System, or invalid as given
	default:
		f[3] = textField{"user-timeout", duration(r.UserTimeout)}
	}
	return f
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

package keepalive

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/tcpkeepalive/keepalive/internal/libpqkeys/libpqvalue"
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
// comma-separated key=value pairs, in any order, each key at most once:
// idle, interval and user-timeout take a Go duration ("30s", "0") and
// count an integer, each also "system"; a missing key is zero and empty
// text is Config{}. These are checked for syntax and sign only, not
// against the running system's limits (Validate, Set and dialing are),
// so that text written on one system reads on every other.
//
// within=D gives Within(D), alone, and under=N gives Under(N) of the rest
// (Config{} if nothing else is given): for example "within=30s,under=350s".
// A D or N the running system cannot meet is refused (D below MinWithin on
// Linux; N below MinUnder, or with a Config that fails Validate), where
// Within and Under would return a faster Config than asked. UnmarshalText
// accepts a UserTimeout that overrides Count, as Validate does: Coherent
// reports it. libpq's keys are read too, as libpq reads them: keepalives
// (any integer but 0, off, which is refused), keepalives_idle,
// keepalives_interval, keepalives_count (whole seconds or a count) and
// tcp_user_timeout (milliseconds), 0 meaning System. On error c is left unchanged and the error names the key and
// the limit. MarshalText writes the four fields, which read back to c.
func (c *Config) UnmarshalText(text []byte) error {
	n, err := parseText(platform(), string(text))
	if err != nil {
		return err
	}
	*c = n
	return nil
}

// The keys of the text form, in order; libpq's names share the slots of
// the four fields.
const (
	keyIdle = iota
	keyInterval
	keyCount
	keyUserTimeout
	keyKeepalives
	keyWithin
	keyUnder
	numKeys
)

// keysHelp lists the keys for an error about one.
const keysHelp = "keys: idle, interval, count, user-timeout, within, under; libpq's keepalives, keepalives_idle, keepalives_interval, keepalives_count, tcp_user_timeout"

// parseText is UnmarshalText for the system of table t.
func parseText(t *sockopts, s string) (Config, error) {
	var n Config
	var within, under time.Duration
	var given [numKeys]string // the key as written, where given
	s = strings.TrimSpace(s)
	for pair := range strings.SplitSeq(s, ",") {
		if s == "" {
			break
		}
		key, value, ok := strings.Cut(pair, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return Config{}, fmt.Errorf("keepalive: %q is not key=value (%s)", pair, keysHelp)
		}
		var i int
		var err error
		switch key {
		case "idle":
			i = keyIdle
			n.Idle, err = parseDuration(value)
		case "interval":
			i = keyInterval
			n.Interval, err = parseDuration(value)
		case "count":
			i = keyCount
			n.Count, err = parseCount(value)
		case "user-timeout":
			i = keyUserTimeout
			n.UserTimeout, err = parseDuration(value)
		case "within":
			i = keyWithin
			within, err = parseBound(value)
		case "under":
			i = keyUnder
			under, err = parseBound(value)
		// libpq's names (PostgreSQL connection strings): whole seconds,
		// milliseconds for tcp_user_timeout, and 0 for the system's value.
		case "keepalives":
			i = keyKeepalives
			err = parseKeepalives(value)
		case "keepalives_idle":
			i = keyIdle
			n.Idle, err = parseLibpq(value, time.Second)
		case "keepalives_interval":
			i = keyInterval
			n.Interval, err = parseLibpq(value, time.Second)
		case "keepalives_count":
			i = keyCount
			var d time.Duration
			d, err = parseLibpq(value, 1)
			n.Count = int(d)
		case "tcp_user_timeout":
			i = keyUserTimeout
			n.UserTimeout, err = parseLibpq(value, time.Millisecond)
		default:
			return Config{}, fmt.Errorf("keepalive: unknown key %q (%s)", key, keysHelp)
		}
		if err != nil {
			return Config{}, wrap(fmt.Sprintf("%s=%q", key, value), err)
		}
		if given[i] != "" {
			return Config{}, fmt.Errorf("keepalive: key %q given twice (or under both its names)", key)
		}
		given[i] = key
	}
	if err := n.checkSignsWriting(systemInText); err != nil {
		return Config{}, err
	}
	if within > 0 {
		for _, k := range given[:keyWithin] {
			if k != "" {
				return Config{}, fmt.Errorf("keepalive: within=%v sets idle, interval, count and user-timeout: give it alone (or with under=), not with %s", within, k)
			}
		}
		if err := checkWithin(t, within); err != nil {
			return Config{}, err
		}
		n = withinFor(t, within)
	}
	if under > 0 {
		u, err := underText(t, n, under)
		if err != nil {
			return Config{}, err
		}
		n = u
	}
	return n, nil
}

// parseBound reads the value of within= or under=: a positive duration.
func parseBound(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, errors.New("want a positive duration such as 30s")
	}
	return d, nil
}

func parseDuration(s string) (time.Duration, error) {
	if s == "system" {
		return System, nil
	}
	return time.ParseDuration(s)
}

// parseLibpq reads a libpq number of units as libpq does: 0, and a
// negative value, are the system's value.
func parseLibpq(s string, unit time.Duration) (time.Duration, error) {
	n, err := libpqvalue.Number(s)
	switch {
	case err != nil:
		return 0, err
	case n == 0:
		return System, nil
	}
	return time.Duration(n) * unit, nil
}

// errKeepalivesOff refuses keepalives=0: libpq's "off", which a Config,
// always on, cannot say.
var errKeepalivesOff = errors.New("0 turns keep-alive off, which a Config cannot say: give 1 (any integer but 0 is on, as in libpq) or leave keep-alive off where the connection is made")

// parseKeepalives reads libpq's keepalives as libpq does: any integer
// but 0 is on.
func parseKeepalives(s string) error {
	n, ok := libpqvalue.ParseInt(s)
	switch {
	case !ok:
		return libpqvalue.ErrNotInteger
	case n == 0:
		return errKeepalivesOff
	}
	return nil
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

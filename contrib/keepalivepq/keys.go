package keepalivepq

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// libpqKeys are libpq's keep-alive keys.
var libpqKeys = []string{"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"}

// A KeyError reports a libpq keep-alive key whose value cannot be used.
type KeyError struct {
	Key   string // the libpq key, e.g. "keepalives_count"
	Value string // its value as given
	Limit string // what the value must be
	Err   error  // the *keepalive.ConfigError for a value the system refuses; else nil
}

func (e *KeyError) Error() string {
	return "keepalivepq: " + e.Key + "=" + strconv.Quote(e.Value) + ": " + e.Limit
}

func (e *KeyError) Unwrap() error { return e.Err }

// settings is what libpq's keys in a connection string say.
type settings struct {
	found bool // any of the keys is there
	off   bool // keepalives=0
	cfg   keepalive.Config
}

// A timer is one of the keys that set a field of keepalive.Config.
type timer struct {
	key  string
	what string // what the value is, for errors
	set  func(c *keepalive.Config, n int)
}

var timers = []timer{
	{"keepalives_idle", "a whole number of seconds", func(c *keepalive.Config, n int) { c.Idle = duration(n, time.Second) }},
	{"keepalives_interval", "a whole number of seconds", func(c *keepalive.Config, n int) { c.Interval = duration(n, time.Second) }},
	{"keepalives_count", "a whole number of probes", func(c *keepalive.Config, n int) { c.Count = n }},
	{"tcp_user_timeout", "a whole number of milliseconds", func(c *keepalive.Config, n int) { c.UserTimeout = duration(n, time.Millisecond) }},
}

// readKeys reads libpq's keep-alive keys from runtime, lib/pq's
// Config.Runtime, each value on its own (see NewConnectorConfig).
func readKeys(runtime map[string]string) (settings, error) {
	var s settings
	if v, ok := runtime["keepalives"]; ok {
		s.found = true
		on, ok := useKeepalives(v)
		if !ok {
			return s, &KeyError{Key: "keepalives", Value: v, Limit: "not an integer (0 turns keep-alive off, any other integer on)"}
		}
		if !on {
			s.off = true
			return s, nil
		}
	}
	// Absent keys are the system's, as libpq leaves them.
	s.cfg = keepalive.Config{Idle: keepalive.System, Interval: keepalive.System, Count: keepalive.System, UserTimeout: keepalive.System}
	var given []string
	for _, t := range timers {
		v, ok := runtime[t.key]
		if !ok {
			continue
		}
		s.found = true
		n, ok := parseIntParam(v)
		if !ok {
			return s, &KeyError{Key: t.key, Value: v, Limit: "not " + t.what + " from " + strconv.Itoa(math.MinInt32) + " to " + strconv.Itoa(math.MaxInt32)}
		}
		if n <= 0 {
			// Negative counts as 0, and 0 is the system's value.
			n = keepalive.System
		}
		var one keepalive.Config
		t.set(&one, n)
		if err := one.Validate(); err != nil {
			return s, keyError(t.key, v, err)
		}
		t.set(&s.cfg, n)
		given = append(given, t.key)
	}
	// What no single key shows: limits on the keys together (illumos'
	// abort bound on Interval*Count).
	if err := s.cfg.Validate(); err != nil {
		values := make([]string, len(given))
		for i, k := range given {
			values[i] = runtime[k]
		}
		return s, keyError(strings.Join(given, ","), strings.Join(values, ","), err)
	}
	return s, nil
}

// duration is n units, or System.
func duration(n int, unit time.Duration) time.Duration {
	if n == keepalive.System {
		return keepalive.System
	}
	return time.Duration(n) * unit
}

// keyError is the *KeyError for key's value v, which Validate refused
// with err.
func keyError(key, v string, err error) error {
	var ce *keepalive.ConfigError
	if errors.As(err, &ce) {
		return &KeyError{Key: key, Value: v, Limit: ce.Limit, Err: ce}
	}
	return &KeyError{Key: key, Value: v, Limit: err.Error(), Err: err}
}

// isSpace is C's isspace in the C locale.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// useKeepalives reads keepalives as libpq's useKeepalives does: strtol
// in base 10, nothing after the number. strtol skips leading spaces and
// takes a sign; given no digits it consumes nothing, so "" is 0 (off) and
// "  " or "x" an error. An overflowing number is on (strtol saturates).
func useKeepalives(v string) (on, ok bool) {
	if v == "" {
		return false, true
	}
	s := strings.TrimLeftFunc(v, isSpace)
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return false, false
	}
	return strings.Trim(s, "0") != "", true
}

// parseIntParam reads v as libpq's pqParseIntParam does: spaces around
// it allowed, a base-10 integer that fits a C int, nothing else.
func parseIntParam(v string) (int, bool) {
	n, err := strconv.ParseInt(strings.TrimFunc(v, isSpace), 10, 32)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

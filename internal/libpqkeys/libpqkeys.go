// Package libpqkeys reads libpq's keep-alive keys from a PostgreSQL
// connection string's parameters, as libpq reads them, for the
// integration modules of drivers that do not know them (pgx, lib/pq): one
// reader, so that both read every value alike and word their errors
// alike. It is for this repository's integration modules, not API.
package libpqkeys

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// Keys are libpq's keep-alive keys.
var Keys = [...]string{"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"}

// Settings is what the keys in a connection string say.
type Settings struct {
	Given  bool             // at least one key is there
	Off    bool             // keepalives=0; Config is then zero
	Config keepalive.Config // System for a key left out, 0 or negative
}

// A KeyError reports a key whose value cannot be used; each module
// turns it into its own exported error.
type KeyError struct {
	Key   string
	Value string
	Limit string
	Err   error // the *keepalive.ConfigError behind it, if any
}

func (e *KeyError) Error() string { return Message("libpqkeys", e) }

func (e *KeyError) Unwrap() error { return e.Err }

// Message is the one wording of a key error, for module prefix:
// "keepalivepq: invalid keepalives_idle "30s": not an integer …".
func Message(prefix string, e *KeyError) string {
	return prefix + ": invalid " + e.Key + " " + strconv.Quote(e.Value) + ": " + e.Limit
}

// Read reads the keys in params, each value on its own, as libpq reads
// it (PostgreSQL 18's src/interfaces/libpq/fe-connect.c: useKeepalives,
// setKeepalivesIdle, setKeepalivesInterval, setKeepalivesCount,
// setTCPUserTimeout, each with pqParseIntParam): a decimal integer
// within 32 bits, spaces around it allowed; keepalives any such integer,
// 0 meaning off (the other keys are then not read); a negative value
// counts as 0, and 0 (and a key left out) is the system's value —
// libpq's documented meaning — for keepalives_idle, keepalives_interval
// and keepalives_count (keepalive.System) and no user timeout for
// tcp_user_timeout. A value libpq refuses, or one beyond the running
// system's limits (keepalive.Config.Validate), is a *KeyError; the errors
// are joined.
func Read(params map[string]string) (Settings, error) {
	var s Settings
	for _, key := range Keys {
		if _, ok := params[key]; ok {
			s.Given = true
		}
	}
	if !s.Given {
		return s, nil
	}
	if v, ok := params["keepalives"]; ok {
		n, ok := ParseInt(v)
		if !ok {
			return Settings{}, notInteger("keepalives", v)
		}
		if n == 0 {
			s.Off = true
			return s, nil
		}
	}
	var errs []error
	// seconds reads a key in seconds or a count: absent, 0 and negative
	// are the system's value.
	seconds := func(key string, unit time.Duration) time.Duration {
		v, ok := params[key]
		if !ok {
			return keepalive.System
		}
		n, ok := ParseInt(v)
		switch {
		case !ok:
			errs = append(errs, notInteger(key, v))
			return 0
		case n <= 0:
			return keepalive.System
		}
		return time.Duration(n) * unit
	}
	s.Config.Idle = seconds("keepalives_idle", time.Second)
	s.Config.Interval = seconds("keepalives_interval", time.Second)
	s.Config.Count = int(seconds("keepalives_count", 1))
	if v, ok := params["tcp_user_timeout"]; ok {
		n, ok := ParseInt(v)
		switch {
		case !ok:
			errs = append(errs, notInteger("tcp_user_timeout", v))
		case n > 0:
			s.Config.UserTimeout = time.Duration(n) * time.Millisecond
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Settings{}, err
	}
	if err := s.Config.Validate(); err != nil {
		return Settings{}, keyErrors(params, err)
	}
	return s, nil
}

// notInteger is the error for a value pqParseIntParam refuses.
func notInteger(key, value string) error {
	return &KeyError{Key: key, Value: value, Limit: "not an integer from -2147483648 to 2147483647, as libpq reads it"}
}

// fields maps keepalive.ConfigError's fields to libpq's keys.
var fields = map[string]string{
	"Idle":        "keepalives_idle",
	"Interval":    "keepalives_interval",
	"Count":       "keepalives_count",
	"UserTimeout": "tcp_user_timeout",
}

// keyErrors turns Validate's joined *keepalive.ConfigError values into
// *KeyError values naming libpq's keys and the values as given.
func keyErrors(params map[string]string, err error) error {
	list := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	}
	out := make([]error, 0, len(list))
	for _, e := range list {
		var ce *keepalive.ConfigError
		if !errors.As(e, &ce) {
			out = append(out, e)
			continue
		}
		key, ok := fields[ce.Field]
		value := params[key]
		if !ok { // "Timeout": the set as a whole
			key, value = "keepalives_idle + keepalives_interval × keepalives_count", ce.Value
		}
		out = append(out, &KeyError{Key: key, Value: value, Limit: ce.Limit, Err: ce})
	}
	return errors.Join(out...)
}

// Convert returns err with each *KeyError in it, joined or alone,
// replaced by f's result.
func Convert(err error, f func(*KeyError) error) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list := j.Unwrap()
		out := make([]error, len(list))
		for i, e := range list {
			out[i] = Convert(e, f)
		}
		return errors.Join(out...)
	}
	if ke, ok := err.(*KeyError); ok {
		return f(ke)
	}
	return err
}

// ParseInt reads s as libpq's pqParseIntParam (parse_int_param in
// earlier releases) does: strtol base 10, which skips leading white space
// and takes a sign; at least one digit; the result within a C int (32
// bits); then only white space (isspace in the C locale). So " 30 ",
// "+30" and "007" are read, "30s", "1.5", "0x10", "30,count=1" and "" are
// not.
func ParseInt(s string) (int32, bool) {
	const space = " \t\n\v\f\r"
	s = strings.Trim(s, space)
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

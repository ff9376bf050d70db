package keepalivepgx

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tcpkeepalive/keepalive"
)

// libpqKeys are libpq's keep-alive settings.
var libpqKeys = [...]string{"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"}

// Keys is what libpq's keep-alive keys in a connection string say.
type Keys struct {
	// Given reports whether the connection string has at least one of
	// the keys. Without any, libpq turns keep-alive on with the system's
	// timers and pgx dials with Go's (15s, 15s, 9 probes).
	Given bool

	// Off reports keepalives=0: keep-alive off. libpq then reads none of
	// the other keys, tcp_user_timeout included, and neither does
	// ReadKeys: Config is the zero Config.
	Off bool

	// Config is what the other keys say: keepalives_idle,
	// keepalives_interval and keepalives_count in seconds or a count,
	// keepalive.System for a key left out, 0 or negative (libpq sets
	// nothing for a key left out, documents 0 as the system's value and
	// makes a negative value 0); tcp_user_timeout in milliseconds, 0 for
	// a key left out, 0 or negative (no user timeout, the system's
	// default).
	Config keepalive.Config
}

// ReadKeys reads libpq's keep-alive keys from c.RuntimeParams, where
// pgx's parser leaves them, without changing c. Each key's value is read
// on its own, as libpq reads it (docs/integrations.md#libpq-keys): a
// decimal integer within 32 bits, spaces around it allowed; keepalives
// any integer, non-zero meaning on.
//
// A value libpq refuses, or one beyond the running system's limits
// (keepalive.Config.Validate), is a *KeyError naming the key and the
// limit; the errors are joined.
//
// A Config whose tcp_user_timeout makes Linux ignore keepalives_count
// is not an error, as libpq does not refuse it: Keys.Coherent reports it.
func ReadKeys(c *pgconn.Config) (Keys, error) {
	if c == nil {
		return Keys{}, errors.New("keepalivepgx: nil *pgconn.Config")
	}
	var k Keys
	for _, key := range libpqKeys {
		if _, ok := c.RuntimeParams[key]; ok {
			k.Given = true
		}
	}
	if !k.Given {
		return k, nil
	}
	// libpq's useKeepalives: absent means on.
	if v, ok := c.RuntimeParams["keepalives"]; ok {
		n, ok := parseInt(v)
		if !ok {
			return Keys{}, notInteger("keepalives", v)
		}
		if n == 0 {
			k.Off = true
			return k, nil
		}
	}
	var errs []error
	// seconds reads a key in seconds or a count: absent, 0 and negative
	// are the system's value.
	seconds := func(key string, unit time.Duration) time.Duration {
		v, ok := c.RuntimeParams[key]
		if !ok {
			return keepalive.System
		}
		n, ok := parseInt(v)
		switch {
		case !ok:
			errs = append(errs, notInteger(key, v))
			return 0
		case n <= 0:
			return keepalive.System
		}
		return time.Duration(n) * unit
	}
	k.Config.Idle = seconds("keepalives_idle", time.Second)
	k.Config.Interval = seconds("keepalives_interval", time.Second)
	k.Config.Count = int(seconds("keepalives_count", 1))
	if v, ok := c.RuntimeParams["tcp_user_timeout"]; ok {
		n, ok := parseInt(v)
		switch {
		case !ok:
			errs = append(errs, notInteger("tcp_user_timeout", v))
		case n > 0:
			k.Config.UserTimeout = time.Duration(n) * time.Millisecond
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Keys{}, err
	}
	if err := k.Config.Validate(); err != nil {
		return Keys{}, keyErrors(c.RuntimeParams, err)
	}
	return k, nil
}

// Coherent reports, as an error naming libpq's keys, a tcp_user_timeout
// that makes Linux drop an idle connection after a different number of
// unanswered probes than keepalives_count (keepalive.Config.Coherent):
// libpq and the kernel accept such a set, and so does Configure. It
// returns nil when keep-alive is off or no key is given.
func (k Keys) Coherent() error {
	if !k.Given || k.Off {
		return nil
	}
	if err := k.Config.Coherent(); err != nil {
		return errors.New("keepalivepgx: tcp_user_timeout disagrees with keepalives_count: " + err.Error())
	}
	return nil
}

// A KeyError reports a libpq keep-alive key whose value cannot be used.
type KeyError struct {
	Key   string // libpq's key, such as "keepalives_count"
	Value string // the value as the connection string gives it
	Limit string // what the value must be
	Err   error  // the *keepalive.ConfigError behind it, if the running system is the limit
}

func (e *KeyError) Error() string {
	return "keepalivepgx: invalid " + e.Key + " " + strconv.Quote(e.Value) + ": " + e.Limit
}

func (e *KeyError) Unwrap() error { return e.Err }

// notInteger is the error for a value libpq's parse_int_param refuses.
func notInteger(key, value string) error {
	return &KeyError{Key: key, Value: value, Limit: "not an integer from -2147483648 to 2147483647, as libpq reads it"}
}

// keyFields maps keepalive.ConfigError's fields to libpq's keys.
var keyFields = map[string]string{
	"Idle":        "keepalives_idle",
	"Interval":    "keepalives_interval",
	"Count":       "keepalives_count",
	"UserTimeout": "tcp_user_timeout",
}

// keyErrors turns Validate's joined *keepalive.ConfigError values into
// *KeyError values naming libpq's keys and the values as given.
func keyErrors(params map[string]string, err error) error {
	var list []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		list = j.Unwrap()
	} else {
		list = []error{err}
	}
	out := make([]error, 0, len(list))
	for _, e := range list {
		var ce *keepalive.ConfigError
		if !errors.As(e, &ce) {
			out = append(out, e)
			continue
		}
		key, ok := keyFields[ce.Field]
		value := params[key]
		if !ok { // "Timeout": the set as a whole
			key, value = "keepalives_idle + keepalives_interval × keepalives_count", ce.Value
		}
		out = append(out, &KeyError{Key: key, Value: value, Limit: ce.Limit, Err: ce})
	}
	return errors.Join(out...)
}

// parseInt reads s as libpq's pqParseIntParam (parse_int_param in
// earlier releases) does, PostgreSQL 18's
// src/interfaces/libpq/fe-connect.c: strtol base 10,
// which skips leading white space and takes a sign; at least one digit;
// the result within a C int (32 bits); then only white space (isspace in
// the C locale). So " 30 ", "+30" and "007" are read, "30s", "1.5",
// "0x10", "30,count=1" and "" are not.
func parseInt(s string) (int32, bool) {
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

// Package libpqvalue holds how libpq reads the value of one of its
// keep-alive keys, and the one error for a key whose value cannot be
// used. It imports nothing of this repository, so that the root
// package's text form and the integration modules (through
// internal/libpqkeys) share it. It is for this repository, not API.
package libpqvalue

import (
	"errors"
	"strconv"
	"strings"
)

// Keys are libpq's keep-alive keys.
var Keys = [...]string{"keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout"}

// A KeyError reports a libpq keep-alive key whose value cannot be used.
type KeyError struct {
	Key   string // libpq's key, such as "keepalives_count"
	Value string // the value as the connection string gives it
	Limit string // what the value must be
	Err   error  // the *keepalive.ConfigError behind it, if the running system is the limit; else nil
}

func (e *KeyError) Error() string {
	return "keepalive: invalid " + e.Key + " " + strconv.Quote(e.Value) + ": " + e.Limit
}

func (e *KeyError) Unwrap() error { return e.Err }

// ErrNotInteger is Number's error for a value libpq refuses.
var ErrNotInteger = errors.New("not an integer from -2147483648 to 2147483647, as libpq reads it")

// Number reads the value of keepalives_idle, keepalives_interval,
// keepalives_count or tcp_user_timeout as libpq does (PostgreSQL 18's
// src/interfaces/libpq/fe-connect.c: setKeepalivesIdle and its kin read
// it with pqParseIntParam and make a negative value 0): 0 means the
// system's value (for tcp_user_timeout, none), as libpq documents it.
// A value libpq refuses is ErrNotInteger.
func Number(s string) (int32, error) {
	n, ok := ParseInt(s)
	if !ok {
		return 0, ErrNotInteger
	}
	return max(n, 0), nil
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

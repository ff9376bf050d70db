// Package libpqkeys reads libpq's keep-alive keys from a PostgreSQL
// connection string's parameters, as libpq reads them, for the
// integration modules of drivers that do not know them (pgx, lib/pq): one
// reader, so that both read every value alike and fail with one error
// type. Each value is read by libpqvalue, as the root package's text
// form reads it. It is for this repository's integration modules, not
// API.
package libpqkeys

import (
	"errors"
	"net"
	"time"

	"github.com/tcpkeepalive/keepalive"
	"github.com/tcpkeepalive/keepalive/internal/libpqkeys/libpqvalue"
)

// Keys are libpq's keep-alive keys.
var Keys = libpqvalue.Keys

// Settings is what the keys in a connection string say.
type Settings struct {
	Given  bool             // at least one key is there
	Off    bool             // keepalives=0; Config is then zero
	Config keepalive.Config // System for a key left out, 0 or negative
}

// A KeyError reports a key whose value cannot be used: the one error
// type of every reader of libpq's keys.
type KeyError = libpqvalue.KeyError

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
		n, ok := libpqvalue.ParseInt(v)
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
		n, err := libpqvalue.Number(v)
		switch {
		case err != nil:
			errs = append(errs, notInteger(key, v))
			return 0
		case n == 0:
			return keepalive.System
		}
		return time.Duration(n) * unit
	}
	s.Config.Idle = seconds("keepalives_idle", time.Second)
	s.Config.Interval = seconds("keepalives_interval", time.Second)
	s.Config.Count = int(seconds("keepalives_count", 1))
	if v, ok := params["tcp_user_timeout"]; ok {
		n, err := libpqvalue.Number(v)
		switch {
		case err != nil:
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
	return &KeyError{Key: key, Value: value, Limit: libpqvalue.ErrNotInteger.Error()}
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

// Dialer returns a dialer for s: keep-alive off for keepalives=0, else
// s.Config; then opts.
func (s Settings) Dialer(opts []keepalive.DialOption) *net.Dialer {
	if s.Off {
		d := &net.Dialer{KeepAlive: -1}
		for _, o := range opts {
			o(d)
		}
		return d
	}
	return keepalive.NewDialer(append([]keepalive.DialOption{keepalive.WithKeepalive(s.Config)}, opts...)...)
}

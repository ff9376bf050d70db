// Package libpqcases holds the connection strings on which the modules
// that read libpq's keep-alive keys (keepalivepgx, keepalivepq) are
// tested, each with what libpq itself does with it on Linux, which
// TestLibpqParity checks against psql row by row. Test data, not API.
package libpqcases

import (
	"testing"
	"time"

	"github.com/tcpkeepalive/keepalive"
)

// What libpq does with a value on Linux (Debian 12's libpq 15.18, run by
// TestLibpqParity).
const (
	OK         = "ok"         // connects with it
	Invalid    = "invalid"    // "invalid integer value … for connection option …"
	Setsockopt = "setsockopt" // the kernel refuses what libpq sets: "setsockopt(TCP_KEEPIDLE) failed: Invalid argument"
)

const sys = keepalive.System

// A Case is one key=value of a connection string, as in libpq's
// src/interfaces/libpq/fe-connect.c (PostgreSQL 18): useKeepalives and
// setKeepalivesIdle, setKeepalivesInterval, setKeepalivesCount,
// setTCPUserTimeout, each reading its value with pqParseIntParam
// (strtol base 10, spaces around allowed, no trailing junk, within a C
// int) and making a negative value 0.
type Case struct {
	Name  string
	Conn  string           // key=value pairs of a connection string
	Off   bool             // keep-alive off
	Cfg   keepalive.Config // otherwise: what the socket holds, System for the system's value
	Err   string           // or: the error names this
	Libpq string           // what libpq does with conn on Linux
}

// Cases are the rows both modules are tested on, and TestLibpqParity
// gives each to libpq itself.
var Cases = []Case{
	// useKeepalives: any integer but 0 is on; the timers are the
	// system's where no key sets them.
	{Name: "keepalives=1", Conn: "keepalives=1", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "keepalives=2", Conn: "keepalives=2", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "keepalives=-1", Conn: "keepalives=-1", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "keepalives spaces", Conn: "keepalives=' 1 '", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "keepalives=0", Conn: "keepalives=0", Off: true, Libpq: OK},
	{Name: "keepalives=0 reads no other key", Conn: "keepalives=0 keepalives_idle=x tcp_user_timeout=x", Off: true, Libpq: OK},
	{Name: "keepalives=x", Conn: "keepalives=x", Err: `keepalives "x"`, Libpq: Invalid},
	{Name: "keepalives empty", Conn: "keepalives=''", Err: `keepalives ""`, Libpq: Invalid},
	{Name: "keepalives=1.0", Conn: "keepalives=1.0", Err: `keepalives "1.0"`, Libpq: Invalid},
	{Name: "keepalives trailing space", Conn: "keepalives='1 '", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "keepalives=4294967296", Conn: "keepalives=4294967296", Err: `keepalives "4294967296"`, Libpq: Invalid},
	{Name: "keepalives=2147483647", Conn: "keepalives=2147483647", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: OK},

	// setKeepalivesIdle: seconds.
	{Name: "idle=30", Conn: "keepalives_idle=30", Cfg: keepalive.Config{Idle: 30 * time.Second, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "idle spaces", Conn: "keepalives_idle=' 30 '", Cfg: keepalive.Config{Idle: 30 * time.Second, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "idle sign", Conn: "keepalives_idle=+30", Cfg: keepalive.Config{Idle: 30 * time.Second, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "idle leading zeros", Conn: "keepalives_idle=007", Cfg: keepalive.Config{Idle: 7 * time.Second, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "idle=32767", Conn: "keepalives_idle=32767", Cfg: keepalive.Config{Idle: 32767 * time.Second, Interval: sys, Count: sys}, Libpq: OK},
	// libpq documents 0 as the system's value, and hands 0 to the
	// kernel; Linux refuses it, so the connection fails. keepalivepgx
	// does what libpq documents.
	{Name: "idle=0", Conn: "keepalives_idle=0", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: Setsockopt},
	{Name: "idle=-1", Conn: "keepalives_idle=-1", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: Setsockopt},
	{Name: "idle=-2147483648", Conn: "keepalives_idle=-2147483648", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: Setsockopt},
	{Name: "idle=32768", Conn: "keepalives_idle=32768", Err: `keepalives_idle "32768": above 32767 s`, Libpq: Setsockopt},
	{Name: "idle=2147483648", Conn: "keepalives_idle=2147483648", Err: `keepalives_idle "2147483648": not an integer`, Libpq: Invalid},
	{Name: "idle=-2147483649", Conn: "keepalives_idle=-2147483649", Err: `keepalives_idle "-2147483649"`, Libpq: Invalid},
	{Name: "idle=30s", Conn: "keepalives_idle=30s", Err: `keepalives_idle "30s"`, Libpq: Invalid},
	{Name: "idle=1.5", Conn: "keepalives_idle=1.5", Err: `keepalives_idle "1.5"`, Libpq: Invalid},
	{Name: "idle=0x10", Conn: "keepalives_idle=0x10", Err: `keepalives_idle "0x10"`, Libpq: Invalid},
	{Name: "idle=1e3", Conn: "keepalives_idle=1e3", Err: `keepalives_idle "1e3"`, Libpq: Invalid},
	{Name: "idle='5 x'", Conn: "keepalives_idle='5 x'", Err: `keepalives_idle "5 x"`, Libpq: Invalid},
	{Name: "idle='- 5'", Conn: "keepalives_idle='- 5'", Err: `keepalives_idle "- 5"`, Libpq: Invalid},
	{Name: "idle empty", Conn: "keepalives_idle=''", Err: `keepalives_idle ""`, Libpq: Invalid},
	// Issue 18: one key's value never sets another's.
	{Name: "idle with commas", Conn: "keepalives_idle='30,count=1,user-timeout=1ms'", Err: `keepalives_idle "30,count=1,user-timeout=1ms"`, Libpq: Invalid},

	// setKeepalivesInterval: seconds.
	{Name: "interval=5", Conn: "keepalives_interval=5", Cfg: keepalive.Config{Idle: sys, Interval: 5 * time.Second, Count: sys}, Libpq: OK},
	{Name: "interval=0", Conn: "keepalives_interval=0", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: Setsockopt},
	{Name: "interval=-5", Conn: "keepalives_interval=-5", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: Setsockopt},
	{Name: "interval=32768", Conn: "keepalives_interval=32768", Err: `keepalives_interval "32768": above 32767 s`, Libpq: Setsockopt},
	{Name: "interval=5s", Conn: "keepalives_interval=5s", Err: `keepalives_interval "5s"`, Libpq: Invalid},

	// setKeepalivesCount: a count.
	{Name: "count=3", Conn: "keepalives_count=3", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: 3}, Libpq: OK},
	{Name: "count=127", Conn: "keepalives_count=127", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: 127}, Libpq: OK},
	{Name: "count=0", Conn: "keepalives_count=0", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: Setsockopt},
	{Name: "count=-3", Conn: "keepalives_count=-3", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: Setsockopt},
	{Name: "count=128", Conn: "keepalives_count=128", Err: `keepalives_count "128": outside 1–127`, Libpq: Setsockopt},
	{Name: "count=500", Conn: "keepalives_count=500", Err: `keepalives_count "500": outside 1–127`, Libpq: Setsockopt},
	{Name: "count with commas", Conn: "keepalives_count='3,idle=1'", Err: `keepalives_count "3,idle=1"`, Libpq: Invalid},

	// setTCPUserTimeout: milliseconds; 0 is no user timeout, the
	// kernel's default.
	{Name: "user timeout=45000", Conn: "tcp_user_timeout=45000", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys, UserTimeout: 45 * time.Second}, Libpq: OK},
	{Name: "user timeout=1", Conn: "tcp_user_timeout=1", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys, UserTimeout: time.Millisecond}, Libpq: OK},
	{Name: "user timeout=2147483647", Conn: "tcp_user_timeout=2147483647", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys, UserTimeout: 2147483647 * time.Millisecond}, Libpq: OK},
	{Name: "user timeout=0", Conn: "tcp_user_timeout=0", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "user timeout=-5", Conn: "tcp_user_timeout=-5", Cfg: keepalive.Config{Idle: sys, Interval: sys, Count: sys}, Libpq: OK},
	{Name: "user timeout=2147483648", Conn: "tcp_user_timeout=2147483648", Err: `tcp_user_timeout "2147483648"`, Libpq: Invalid},
	{Name: "user timeout=45s", Conn: "tcp_user_timeout=45s", Err: `tcp_user_timeout "45s"`, Libpq: Invalid},

	// All of them.
	{Name: "all", Conn: "keepalives=1 keepalives_idle=30 keepalives_interval=5 keepalives_count=3 tcp_user_timeout=45000",
		Cfg: keepalive.Config{Idle: 30 * time.Second, Interval: 5 * time.Second, Count: 3, UserTimeout: 45 * time.Second}, Libpq: OK},
}

// WithSystem is c with System fields replaced by the system's values, as
// the kernel reports them for a socket that never set them.
func WithSystem(t testing.TB, c keepalive.Config) keepalive.Config {
	t.Helper()
	s, err := keepalive.SystemDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if c.Idle == sys {
		c.Idle = s.Config.Idle
	}
	if c.Interval == sys {
		c.Interval = s.Config.Interval
	}
	if c.Count == sys {
		c.Count = s.Config.Count
	}
	return c
}
